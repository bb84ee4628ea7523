/**
 * Asking an interpreter, before anything starts, what it would run: the bundle's launcher
 * answers one JSON line (Python version, where layerlint and libcst would come from); and, for
 * a shape trace, whether the kernel's interpreter has ipykernel. Also runs the one install the
 * extension ever offers (`<python> -m pip install ipykernel`, after the user agreed to it).
 *
 * Node only (no `vscode` import), so unit tests run it against real and fake interpreters.
 */
import { spawn } from 'node:child_process';

import {
  displayCommandLine,
  launcherEnvironment,
  probeCommandLine,
  type CommandLine,
  type ImportStrategy,
} from './interpreter';

export type ProbeResult =
  | {
    kind: 'ready';
    version: string;
    python: string;
    /** True when layerlint comes from the extension's bundle (not the interpreter's own). */
    bundled: boolean;
    /** Where libcst would be imported from; null: quick fixes are unavailable. */
    libcst: string | null;
  }
  | { kind: 'no-interpreter'; detail: string }
  | { kind: 'too-old'; python: string; minimum: string; detail: string }
  | { kind: 'broken'; detail: string };

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
  options: {
    timeoutMs?: number;
    onOutput?: (text: string) => void;
    cwd?: string;
    env?: Record<string, string | undefined>;
  } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? { ...process.env, PYTHONIOENCODING: 'utf-8' },
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

/** What `<interpreter> layerlint_vscode.py probe` says about running the server there. */
export async function probeInterpreter(
  interpreter: string, launcher: string, strategy: ImportStrategy = 'useBundled', cwd?: string,
): Promise<ProbeResult> {
  const { command, args } = probeCommandLine(interpreter, launcher);
  const result = await runProcess(command, args, {
    timeoutMs: PROBE_TIMEOUT_MS, cwd, env: launcherEnvironment(process.env, strategy),
  });
  if (result.spawnError) {
    return { kind: 'no-interpreter', detail: `${interpreter}: ${result.spawnError.message}` };
  }
  return parseProbe(interpreter, result.code, result.stdout, result.stderr);
}

/** The probe's outcome from its exit status and output (pure, for the unit tests). */
export function parseProbe(
  interpreter: string, code: number | null, stdout: string, stderr: string,
): ProbeResult {
  const answer = code === 0 ? parseJsonLine(stdout) : undefined;
  if (!answer) {
    // Not a Python at all, Python 2 (a SyntaxError in the launcher), a crash, a timeout.
    const why = stderr.trim() ? lastLine(stderr) : `exit status ${code ?? 'none (timed out)'}`;
    return { kind: 'no-interpreter', detail: `${interpreter}: ${why}` };
  }
  const python = String(answer.python ?? '?');
  if (answer.supported !== true) {
    const minimum = String(answer.minimum ?? '3.10');
    return {
      kind: 'too-old', python, minimum,
      detail: `${interpreter} is Python ${python}; layerlint needs Python ${minimum} or newer`,
    };
  }
  if (typeof answer.layerlint !== 'string') {
    const why = typeof answer.error === 'string' ? answer.error : 'layerlint could not be imported';
    return { kind: 'broken', detail: `${interpreter}: ${why}` };
  }
  return {
    kind: 'ready',
    version: answer.layerlint,
    python,
    bundled: answer.bundled === true,
    libcst: typeof answer.libcst === 'string' ? answer.libcst : null,
  };
}

/** Which of `modules` the interpreter cannot import (found without importing them). */
export async function missingModules(
  interpreter: string, modules: string[],
): Promise<{ missing: string[] } | { error: string }> {
  const code = 'import importlib.util as u, sys; '
    + 'print(" ".join(n for n in sys.argv[1:] if u.find_spec(n) is None))';
  const result = await runProcess(interpreter, ['-c', code, ...modules], { timeoutMs: PROBE_TIMEOUT_MS });
  if (result.spawnError) return { error: `${interpreter}: ${result.spawnError.message}` };
  if (result.code !== 0) return { error: `${interpreter}: ${lastLine(result.stderr) || `exit status ${result.code}`}` };
  return { missing: result.stdout.trim().split(/\s+/).filter((name) => name !== '') };
}

/** Runs an install the user agreed to (e.g. `<python> -m pip install ipykernel`), output
 * streamed; true on success. */
export async function runInstall(
  commandLine: CommandLine,
  onOutput: (text: string) => void,
): Promise<boolean> {
  onOutput(`> ${displayCommandLine(commandLine)}\n`);
  const result = await runProcess(commandLine.command, commandLine.args, { onOutput });
  if (result.spawnError) onOutput(`${result.spawnError.message}\n`);
  return result.code === 0;
}

function parseJsonLine(text: string): Record<string, unknown> | undefined {
  const line = text.split(/\r?\n/).map((item) => item.trim()).filter((item) => item.startsWith('{')).pop();
  if (!line) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function lastLine(text: string): string {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  return lines[lines.length - 1] ?? text;
}
