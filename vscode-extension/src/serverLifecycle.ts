/**
 * Starting, stopping and restarting the server: pick the interpreter, ask the bundle's launcher
 * whether it can run there (Python 3.10+), start the client, and keep `layerlint.traceShapes`
 * answering even while no server provides it.
 *
 * The server is the extension's own bundle: nothing is installed into the interpreter. When the
 * interpreter cannot run it (missing, too old, broken), the prompt says why and offers to pick
 * another one.
 *
 * Restarts are queued one after another so settings changes in quick succession never run
 * two servers at once.
 */
import * as vscode from 'vscode';
import { CodeLensRequest, type LanguageClient } from 'vscode-languageclient/node';

import { createClient } from './client';
import { importStrategySetting, interpreterSetting, pathContext } from './configuration';
import { chooseInterpreter, launcherPath, type InterpreterChoice } from './interpreter';
import { interpreterFromPythonExtension } from './pythonExtension';
import { probeInterpreter, type ProbeResult } from './serverProbe';
import { TRACE_COMMAND } from './traceCommand';

export interface ServerState {
  log: vscode.LogOutputChannel;
  state: vscode.Memento;
  /** The installed extension's folder, which holds bundled/. */
  extensionPath: string;
  client?: LanguageClient;
  interpreter?: InterpreterChoice;
  traceFallback?: vscode.Disposable;
  queue: Promise<void>;
}

export function newServerState(
  log: vscode.LogOutputChannel, state: vscode.Memento, extensionPath: string,
): ServerState {
  return { log, state, extensionPath, queue: Promise.resolve() };
}

/** Stop any running server, then start one with the current interpreter and settings. */
export function restartServer(server: ServerState): Promise<void> {
  server.queue = server.queue.then(async () => {
    await stopClient(server);
    await startClient(server);
  }).catch((error: unknown) => {
    server.log.error(`could not start the server: ${String(error)}`);
    setTraceFallback(server, 'the layerlint server did not start (see the layerlint output)');
  });
  return server.queue;
}

export async function stopServer(server: ServerState): Promise<void> {
  await server.queue;
  await stopClient(server);
  server.traceFallback?.dispose();
  server.traceFallback = undefined;
}

async function startClient(server: ServerState): Promise<void> {
  const resource = activeResource();
  const choice = await selectInterpreter(resource);
  server.interpreter = choice;
  server.log.info(`interpreter: ${choice.path} (from ${choice.source})`);
  const cwd = pathContext(resource).workspaceFolder;
  const launcher = launcherPath(server.extensionPath);
  const strategy = importStrategySetting(resource);
  const probe = await probeInterpreter(choice.path, launcher, strategy, cwd);
  if (probe.kind !== 'ready') {
    server.log.error(probe.detail);
    void offerFix(server, choice, probe);
    setTraceFallback(server, 'the layerlint server is not running (see the layerlint output)');
    return;
  }
  const origin = probe.bundled ? 'bundled with the extension' : `from ${choice.path}'s environment`;
  server.log.info(`layerlint ${probe.version} (${origin}) on Python ${probe.python}: `
    + `starting ${choice.path} ${launcher} serve`);
  if (probe.libcst) {
    server.log.info(`quick fixes: libcst from ${probe.libcst}`);
  } else {
    server.log.warn(`quick fixes are unavailable: this build of the extension carries no libcst for `
      + `Python ${probe.python} on ${process.platform}-${process.arch}, and ${choice.path} has none; `
      + `\`${choice.path} -m pip install libcst\` enables them. Diagnostics work without it.`);
  }
  // The client registers the server's commands while it starts; ours must be gone by then.
  setTraceFallback(server, undefined);
  const client = createClient({
    interpreter: choice.path, launcher, strategy, cwd, log: server.log, state: server.state,
  });
  server.client = client;
  await client.start();
  refreshCodeLenses(client);
  const commands = client.initializeResult?.capabilities.executeCommandProvider?.commands ?? [];
  if (!commands.includes(TRACE_COMMAND)) {
    setTraceFallback(server, `layerlint ${probe.version} in ${choice.path} cannot trace shapes yet`);
  }
}

/**
 * Ask again for the code lenses of open editors. An editor that was open before the server
 * started (a restart, a new interpreter) may have asked while the server did not have the
 * document yet, and would show no "Trace shapes" lens until its text changed.
 */
function refreshCodeLenses(client: LanguageClient): void {
  const feature = client.getFeature(CodeLensRequest.method);
  const shapes = new Set(vscode.window.visibleTextEditors.map((editor) => feature.getProvider(editor.document)));
  for (const shape of shapes) shape?.onDidChangeCodeLensEmitter.fire();
}

async function stopClient(server: ServerState): Promise<void> {
  const client = server.client;
  server.client = undefined;
  if (!client) return;
  try {
    await client.stop(5000);
  } catch (error) {
    server.log.warn(`stopping the server: ${String(error)}`);
  }
}

async function selectInterpreter(resource?: vscode.Uri): Promise<InterpreterChoice> {
  const setting = interpreterSetting(resource);
  const fromPythonExtension = setting?.trim() ? undefined : await interpreterFromPythonExtension(resource);
  return chooseInterpreter({ setting, fromPythonExtension, context: pathContext(resource) });
}

function activeResource(): vscode.Uri | undefined {
  return vscode.window.activeTextEditor?.document.uri ?? vscode.workspace.workspaceFolders?.[0]?.uri;
}

/** A stand-in for `layerlint.traceShapes` that explains why nothing can be traced. */
function setTraceFallback(server: ServerState, reason: string | undefined): void {
  server.traceFallback?.dispose();
  server.traceFallback = undefined;
  if (reason === undefined) return;
  try {
    server.traceFallback = vscode.commands.registerCommand(TRACE_COMMAND, () => {
      void vscode.window.showWarningMessage(`layerlint: ${reason}.`, 'Show Output')
        .then((choice) => choice && server.log.show());
    });
  } catch {
    // A half-started client still holds the command; it answers with its own error.
  }
}

async function offerFix(
  server: ServerState, choice: InterpreterChoice, probe: Exclude<ProbeResult, { kind: 'ready' }>,
): Promise<void> {
  const settings = 'Choose Interpreter';
  const output = 'Show Output';
  const message = probe.kind === 'too-old'
    ? `layerlint needs Python ${probe.minimum} or newer; ${choice.path} is Python ${probe.python}.`
    : probe.kind === 'broken'
      ? `layerlint could not start with ${choice.path} (see the layerlint output).`
      : `layerlint could not run the interpreter ${choice.path}.`;
  const picked = await vscode.window.showErrorMessage(message, settings, output);
  if (picked === output) server.log.show();
  if (picked === settings) {
    await vscode.commands.executeCommand('workbench.action.openSettings', 'layerlint.interpreter');
  }
}
