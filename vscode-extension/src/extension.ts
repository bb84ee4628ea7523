/**
 * Entry point: wires VS Code events to the server's lifecycle. No logic of its own.
 *
 * - start on activation (a Python file or notebook opened, or a layerlint command run);
 * - restart on `layerlint.restart`, a new interpreter (setting or Python extension) or import
 *   strategy, and when the workspace becomes trusted (restricted settings such as the
 *   interpreter then apply);
 * - other `layerlint.*` changes go to the running server as didChangeConfiguration.
 */
import * as vscode from 'vscode';
import { DidChangeConfigurationNotification } from 'vscode-languageclient/node';

import { RESTART_SETTINGS, SECTION, affectsServerSettings, serverSettings } from './configuration';
import { onPythonInterpreterChanged } from './pythonExtension';
import { newServerState, restartServer, stopServer, type ServerState } from './serverLifecycle';

let server: ServerState | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const log = vscode.window.createOutputChannel('layerlint', { log: true });
  const current = newServerState(log, context.workspaceState, context.extensionPath);
  server = current;
  context.subscriptions.push(
    log,
    vscode.commands.registerCommand('layerlint.restart', () => restartServer(current)),
    vscode.commands.registerCommand('layerlint.showOutput', () => log.show()),
    vscode.workspace.onDidChangeConfiguration((event) => onSettingsChanged(current, event)),
    vscode.workspace.onDidGrantWorkspaceTrust(() => restartServer(current)),
  );
  const pythonListener = await onPythonInterpreterChanged(() => {
    if (current.interpreter?.source !== 'setting') void restartServer(current);
  });
  if (pythonListener) context.subscriptions.push(pythonListener);
  // Awaited so that a command which activated the extension finds the server's commands.
  await restartServer(current);
}

export async function deactivate(): Promise<void> {
  if (server) await stopServer(server);
  server = undefined;
}

function onSettingsChanged(current: ServerState, event: vscode.ConfigurationChangeEvent): void {
  if (RESTART_SETTINGS.some((name) => event.affectsConfiguration(name))) {
    void restartServer(current);
    return;
  }
  if (!affectsServerSettings(event) || !current.client?.isRunning()) return;
  const mapped = serverSettings();
  mapped.problems.forEach((problem) => current.log.warn(problem));
  void current.client.sendNotification(DidChangeConfigurationNotification.type, {
    settings: { [SECTION]: mapped.settings },
  });
}
