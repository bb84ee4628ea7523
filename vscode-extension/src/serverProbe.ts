/**
 * Probing an interpreter before the server starts: does it exist, and can it import layerlint?
 * Also runs the pip install behind the "Install layerlint" button.
 *
 * Node only (no `vscode` import), so unit tests run it against real and fake interpreters.
 */
import { spawn } from 'node:child_process';

import { pipInstallCommandLine } from './interpreter';

export type ProbeResult =
  | { kind: 'ready'; version: string }
  | { kind: 'no-interpreter'; detail: string }
  | { kind: 'no-layerlint'; detail: string };

const PROBE_CODE = 'import layerlint, sys; sys.stdout.write(layerlint.__version__)';
const PROBE_TIMEOUT_MS = 30_000;

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  spawnError?: NodeJS.ErrnoException;
}

export function runProcess(
  command: string,
  args: string[],
  options: { timeoutMs?: number; onOutput?: (text: string) => void; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, PYTHONIOENCODING: 'utf-8' },
    });
    // spawn's own `timeout` option leaves a timer that keeps Node alive after the child exits.
    const timer = options.timeoutMs === undefined ? undefined
      : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      options.onOutput?.(chunk.toString());
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      options.onOutput?.(chunk.toString());
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr, spawnError: error });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Whether `interpreter` runs and imports layerlint; the detail says why not. */
export async function probeInterpreter(interpreter: string, cwd?: string): Promise<ProbeResult> {
  const result = await runProcess(interpreter, ['-c', PROBE_CODE], {
    timeoutMs: PROBE_TIMEOUT_MS,
    cwd,
  });
  if (result.spawnError) {
    return { kind: 'no-interpreter', detail: `${interpreter}: ${result.spawnError.message}` };
  }
  if (result.code === 0) {
    return { kind: 'ready', version: result.stdout.trim() };
  }
  const stderr = result.stderr.trim();
  // A Python that runs but lacks the package answers ModuleNotFoundError; anything else
  // (not a Python at all, a crash, a timeout) means the interpreter itself is unusable.
  if (/ModuleNotFoundError|No module named/.test(stderr)) {
    return { kind: 'no-layerlint', detail: lastLine(stderr) };
  }
  const why = stderr ? lastLine(stderr) : `exit status ${result.code ?? 'none (timed out)'}`;
  return { kind: 'no-interpreter', detail: `${interpreter}: ${why}` };
}

/** `<interpreter> -m pip install --upgrade layerlint`, output streamed; true on success. */
export async function pipInstallLayerlint(
  interpreter: string,
  onOutput: (text: string) => void,
): Promise<boolean> {
  const { command, args } = pipInstallCommandLine(interpreter);
  onOutput(`> ${command} ${args.join(' ')}\n`);
  const result = await runProcess(command, args, { onOutput });
  if (result.spawnError) onOutput(`${result.spawnError.message}\n`);
  return result.code === 0;
}

function lastLine(text: string): string {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  return lines[lines.length - 1] ?? text;
}
