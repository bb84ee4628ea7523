/**
 * Interpreter selection: which Python runs the bundled server, and the command lines run with it.
 *
 * Pure functions (no `vscode` import) so the order of precedence is unit-tested:
 * the `layerlint.interpreter` setting, else the Python extension's active environment,
 * else `python3`. The server itself comes from the extension's bundle
 * (`bundled/tool/layerlint_vscode.py`), so that interpreter needs nothing installed.
 */
import * as path from 'node:path';

export type InterpreterSource = 'setting' | 'python-extension' | 'default';

export interface InterpreterChoice {
  path: string;
  source: InterpreterSource;
}

/** What `${...}` variables and relative paths in a setting resolve against. */
export interface PathContext {
  workspaceFolder?: string;
  homeDir: string;
  env: Record<string, string | undefined>;
}

export interface InterpreterSources {
  /** Raw value of `layerlint.interpreter` (may hold `${workspaceFolder}`, `~`, ...). */
  setting?: string;
  /** Executable of the Python extension's active environment, when that extension is installed. */
  fromPythonExtension?: string;
  context: PathContext;
  platform?: NodeJS.Platform;
}

export function defaultInterpreter(platform: NodeJS.Platform = process.platform): string {
  // Windows installs `python` (or the `py` launcher); `python3` is the name everywhere else.
  return platform === 'win32' ? 'python' : 'python3';
}

export function chooseInterpreter(sources: InterpreterSources): InterpreterChoice {
  const fromSetting = sources.setting?.trim();
  if (fromSetting) {
    return { path: expandSettingPath(fromSetting, sources.context), source: 'setting' };
  }
  const fromExtension = sources.fromPythonExtension?.trim();
  if (fromExtension) {
    return { path: fromExtension, source: 'python-extension' };
  }
  return { path: defaultInterpreter(sources.platform), source: 'default' };
}

/**
 * Expand `${workspaceFolder}`, `${userHome}`, `${env:NAME}` and a leading `~`, and resolve a
 * relative path such as `.venv/bin/python` against the workspace folder. A bare command name
 * (`python3.11`) stays as it is, so the operating system looks it up on PATH.
 */
export function expandSettingPath(value: string, context: PathContext): string {
  let expanded = value.trim()
    .replace(/\$\{workspaceFolder\}/g, context.workspaceFolder ?? '')
    .replace(/\$\{userHome\}/g, context.homeDir)
    .replace(/\$\{env:([^}]+)\}/g, (_match, name: string) => context.env[name] ?? '');
  if (expanded === '~' || expanded.startsWith('~/') || expanded.startsWith('~\\')) {
    expanded = context.homeDir + expanded.slice(1);
  }
  const looksLikePath = expanded.includes('/') || expanded.includes('\\');
  if (looksLikePath && !path.isAbsolute(expanded) && context.workspaceFolder) {
    return path.join(context.workspaceFolder, expanded);
  }
  return expanded;
}

export interface CommandLine {
  command: string;
  args: string[];
}

/** Where `layerlint.importStrategy` lets layerlint and pygls come from (see layerlint_vscode.py). */
export type ImportStrategy = 'useBundled' | 'fromEnvironment';

/** The launcher script inside the installed extension. */
export function launcherPath(extensionPath: string): string {
  return path.join(extensionPath, 'bundled', 'tool', 'layerlint_vscode.py');
}

/** The command line that starts the language server on stdio. */
export function serverCommandLine(interpreter: string, launcher: string): CommandLine {
  return { command: interpreter, args: [launcher, 'serve'] };
}

/** The command line that asks the interpreter what it would run (one JSON line). */
export function probeCommandLine(interpreter: string, launcher: string): CommandLine {
  return { command: interpreter, args: [launcher, 'probe'] };
}

/** The environment the launcher reads its import strategy from. */
export function launcherEnvironment(
  base: Record<string, string | undefined>, strategy: ImportStrategy,
): Record<string, string | undefined> {
  return { ...base, PYTHONIOENCODING: 'utf-8', LAYERLINT_IMPORT_STRATEGY: strategy };
}

/** A command line as the user would type it, for messages that say what will run. */
export function displayCommandLine({ command, args }: CommandLine): string {
  const quote = (part: string): string => (/^[\w@%+=:,./-]+$/.test(part) ? part : `'${part.replace(/'/g, "'\\''")}'`);
  return [command, ...args].map(quote).join(' ');
}
