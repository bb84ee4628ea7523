/**
 * The client side of `layerlint.traceShapes` (code lens and command palette).
 *
 * The server implements the command; this module, used as executeCommand middleware, adds
 * what only the editor can do: refuse in untrusted workspaces, fill in the document and cursor
 * for a palette invocation, show the server's work-done progress as a notification with a
 * Cancel button, and ask for an input shape when the server answers that it needs one.
 */
import * as vscode from 'vscode';
import {
  ExecuteCommandRequest,
  WorkDoneProgress,
  WorkDoneProgressCancelNotification,
  type LanguageClient,
} from 'vscode-languageclient/node';

import { parseShape } from './settings';
import {
  argumentsFromEditor,
  needsInputShape,
  summarizeTrace,
  traceTarget,
  withInputShape,
} from './traceAnswer';

export const TRACE_COMMAND = 'layerlint.traceShapes';
const LAST_SHAPE_KEY = 'layerlint.lastInputShape';
let nextProgressToken = 0;

export interface TraceContext {
  client: LanguageClient;
  state: vscode.Memento;
  log: vscode.LogOutputChannel;
}

export async function runTraceCommand(context: TraceContext, args: unknown[]): Promise<unknown> {
  if (!vscode.workspace.isTrusted) {
    await explainUntrusted();
    return undefined;
  }
  let request = args.length > 0 ? args : paletteArguments();
  if (!request) {
    void vscode.window.showInformationMessage('layerlint: open a Python file to trace its model.');
    return undefined;
  }
  for (;;) {
    const answer = await traceWithProgress(context.client, request);
    if (!needsInputShape(answer)) {
      report(context.log, answer);
      return answer;
    }
    const shape = await askInputShape(context.state, traceTarget(answer));
    if (!shape) return answer;
    await context.state.update(LAST_SHAPE_KEY, shape.join(','));
    request = withInputShape(request, shape);
  }
}

/** Hides "Trace shapes" code lenses while the workspace is not trusted. */
export function isTraceLens(lens: vscode.CodeLens): boolean {
  return lens.command?.command === TRACE_COMMAND;
}

/**
 * Sends the request itself (rather than through the client's generic command handler) so it
 * can carry a workDoneToken: the client's own progress display sits in the status bar and has
 * no Cancel button.
 */
async function traceWithProgress(client: LanguageClient, args: unknown[]): Promise<unknown> {
  const workDoneToken = `layerlint-trace-${process.pid}-${nextProgressToken++}`;
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'layerlint: tracing shapes', cancellable: true },
    async (progress, cancellation) => {
      let reported = 0;
      const listener = client.onProgress(WorkDoneProgress.type, workDoneToken, (value) => {
        if (value.kind === 'end') return;
        const increment = value.percentage !== undefined ? value.percentage - reported : undefined;
        if (value.percentage !== undefined) reported = value.percentage;
        progress.report({ message: value.message, increment });
      });
      const cancelled = cancellation.onCancellationRequested(() => {
        // The server may watch either signal; both are cheap.
        void client.sendNotification(WorkDoneProgressCancelNotification.type, { token: workDoneToken });
      });
      try {
        return await client.sendRequest(
          ExecuteCommandRequest.type,
          { command: TRACE_COMMAND, arguments: args, workDoneToken },
          cancellation,
        );
      } catch (error) {
        if (cancellation.isCancellationRequested) return { status: 'cancelled' };
        const message = error instanceof Error ? error.message : String(error);
        return { status: 'internal_error', error: { message } };
      } finally {
        listener.dispose();
        cancelled.dispose();
      }
    },
  );
}

function paletteArguments(): unknown[] | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== 'python') return undefined;
  const { line, character } = editor.selection.active;
  return argumentsFromEditor(editor.document.uri.toString(), { line, character });
}

async function askInputShape(state: vscode.Memento, target?: string): Promise<number[] | undefined> {
  const answer = await vscode.window.showInputBox({
    title: 'layerlint: input shape',
    prompt: `Input shape for ${target ?? 'the model'}, batch dimension first`,
    placeHolder: '1,32,32,3',
    value: state.get<string>(LAST_SHAPE_KEY, ''),
    ignoreFocusOut: true,
    validateInput: (text) => (parseShape(text) ? undefined : 'Positive integers separated by commas, e.g. 1,32,32,3'),
  });
  return answer === undefined ? undefined : parseShape(answer);
}

function report(log: vscode.LogOutputChannel, answer: unknown): void {
  const summary = summarizeTrace(answer);
  if (!summary) return;
  log.info(`trace: ${summary.text}`);
  const text = `layerlint: ${summary.text}`;
  if (summary.level === 'error') void vscode.window.showErrorMessage(text);
  else if (summary.level === 'warning') void vscode.window.showWarningMessage(text);
  else vscode.window.setStatusBarMessage(text, 8000);
}

async function explainUntrusted(): Promise<void> {
  const manage = 'Manage Workspace Trust';
  const choice = await vscode.window.showWarningMessage(
    'layerlint: tracing shapes runs your model code, so it is disabled in untrusted workspaces.',
    manage,
  );
  if (choice === manage) await vscode.commands.executeCommand('workbench.trust.manage');
}
