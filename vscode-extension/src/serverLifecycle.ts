/**
 * Starting, stopping and restarting the server: pick the interpreter, check that it can import
 * layerlint (offering a pip install when not), start the client, and keep
 * `layerlint.traceShapes` answering even while no server provides it.
 *
 * Restarts are queued one after another so settings changes in quick succession never run
 * two servers at once.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';

import { createClient } from './client';
import { interpreterSetting, pathContext } from './configuration';
import { chooseInterpreter, type InterpreterChoice } from './interpreter';
import { interpreterFromPythonExtension } from './pythonExtension';
import { pipInstallLayerlint, probeInterpreter } from './serverProbe';
import { TRACE_COMMAND } from './traceCommand';

export interface ServerState {
  log: vscode.LogOutputChannel;
  state: vscode.Memento;
  client?: LanguageClient;
  interpreter?: InterpreterChoice;
  traceFallback?: vscode.Disposable;
  queue: Promise<void>;
}

export function newServerState(log: vscode.LogOutputChannel, state: vscode.Memento): ServerState {
  return { log, state, queue: Promise.resolve() };
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
  const probe = await probeInterpreter(choice.path, cwd);
  if (probe.kind !== 'ready') {
    server.log.error(probe.detail);
    void offerFix(server, choice, probe.kind);
    setTraceFallback(server, 'the layerlint server is not running (see the layerlint output)');
    return;
  }
  server.log.info(`layerlint ${probe.version}: starting ${choice.path} -m layerlint serve`);
  // The client registers the server's commands while it starts; ours must be gone by then.
  setTraceFallback(server, undefined);
  const client = createClient({ interpreter: choice.path, cwd, log: server.log, state: server.state });
  server.client = client;
  await client.start();
  const commands = client.initializeResult?.capabilities.executeCommandProvider?.commands ?? [];
  if (!commands.includes(TRACE_COMMAND)) {
    setTraceFallback(server, `layerlint ${probe.version} in ${choice.path} cannot trace shapes yet`);
  }
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
  server: ServerState, choice: InterpreterChoice, problem: 'no-interpreter' | 'no-layerlint',
): Promise<void> {
  const install = 'Install layerlint';
  const settings = 'Choose Interpreter';
  const output = 'Show Output';
  const message = problem === 'no-layerlint'
    ? `layerlint is not installed in ${choice.path}.`
    : `layerlint could not run the interpreter ${choice.path}.`;
  const buttons = problem === 'no-layerlint' ? [install, settings, output] : [settings, output];
  const picked = await vscode.window.showErrorMessage(message, ...buttons);
  if (picked === output) server.log.show();
  if (picked === settings) {
    await vscode.commands.executeCommand('workbench.action.openSettings', 'layerlint.interpreter');
  }
  if (picked === install) await installInto(server, choice.path);
}

async function installInto(server: ServerState, interpreter: string): Promise<void> {
  server.log.show(true);
  const installed = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Installing layerlint into ${interpreter}` },
    () => pipInstallLayerlint(interpreter, (text) => server.log.append(text)),
  );
  if (installed) {
    void vscode.window.showInformationMessage('layerlint installed; starting the server.');
    await restartServer(server);
  } else {
    void vscode.window.showErrorMessage(
      `pip could not install layerlint into ${interpreter}; the layerlint output has pip's messages.`,
    );
  }
}
