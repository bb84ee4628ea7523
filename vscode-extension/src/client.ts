/**
 * Building the LanguageClient for `<python> bundled/tool/layerlint_vscode.py serve`: which
 * documents it covers,
 * the settings it sends, the middleware that routes the trace command and settings through the
 * extension, and cancellable progress as notifications.
 */
import * as vscode from 'vscode';
import {
  LanguageClient,
  RevealOutputChannelOn,
  TransportKind,
  type LanguageClientOptions,
  type Middleware,
  type ServerOptions,
} from 'vscode-languageclient/node';

import { SECTION, serverSettings } from './configuration';
import { launcherEnvironment, serverCommandLine, type ImportStrategy } from './interpreter';
import { notificationProgressFeature } from './progressNotifications';
import { TRACE_COMMAND, isTraceLens, runTraceCommand } from './traceCommand';

export const CLIENT_ID = 'layerlint';

/**
 * Python files on disk, untitled Python editors, and Python cells of notebooks (the server
 * receives the notebooks themselves through LSP notebook document sync).
 */
export const DOCUMENT_SELECTOR = [
  { scheme: 'file', language: 'python' },
  { scheme: 'untitled', language: 'python' },
  { scheme: 'vscode-notebook-cell', language: 'python' },
];

export interface ClientContext {
  interpreter: string;
  /** bundled/tool/layerlint_vscode.py in the installed extension. */
  launcher: string;
  strategy: ImportStrategy;
  cwd?: string;
  log: vscode.LogOutputChannel;
  state: vscode.Memento;
}

export function createClient(context: ClientContext): LanguageClient {
  const { command, args } = serverCommandLine(context.interpreter, context.launcher);
  const serverOptions: ServerOptions = {
    command,
    args,
    transport: TransportKind.stdio,
    options: { cwd: context.cwd, env: launcherEnvironment(process.env, context.strategy) },
  };
  const initial = serverSettings();
  initial.problems.forEach((problem) => context.log.warn(problem));
  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,
    outputChannel: context.log,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    initializationOptions: { [SECTION]: initial.settings },
    middleware: middleware(context),
  };
  const client = new LanguageClient(CLIENT_ID, 'layerlint', serverOptions, clientOptions);
  client.registerFeature(notificationProgressFeature(client));
  return client;
}

function middleware(context: ClientContext): Middleware {
  return {
    executeCommand: (command, args, next) => {
      if (command !== TRACE_COMMAND) return next(command, args);
      return runTraceCommand(
        { state: context.state, log: context.log, serverInterpreter: context.interpreter }, args, next,
      );
    },
    provideCodeLenses: async (document, token, next) => {
      const lenses = await next(document, token);
      // Tracing runs user code: in an untrusted workspace its lens would only lead to a refusal.
      return vscode.workspace.isTrusted ? lenses : lenses?.filter((lens) => !isTraceLens(lens));
    },
    workspace: {
      // The server may pull `layerlint` with workspace/configuration: answer with the mapped
      // settings (only what the user set, validated) instead of VS Code's raw values.
      configuration: async (params, token, next) => {
        const answers = await next(params, token);
        if (!Array.isArray(answers)) return answers;
        return params.items.map((item, index) => {
          if (item.section !== SECTION) return answers[index];
          const scope = item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined;
          return serverSettings(scope).settings;
        });
      },
    },
  };
}
