/**
 * The client side of `layerlint.traceShapes` (code lens and command palette).
 *
 * The server implements the command (and reports its progress, shown by
 * progressNotifications.ts with a Cancel button); this executeCommand middleware adds what only
 * the editor can do: refuse in untrusted workspaces, fill in the document and cursor for a
 * palette invocation, make sure the kernel's interpreter has ipykernel (offering to install it,
 * with the command shown, when it has not), and ask for an input shape when the server answers
 * that it needs one.
 */
import * as vscode from 'vscode';
import type { ExecuteCommandSignature } from 'vscode-languageclient/node';

import { serverSettings } from './configuration';
import { displayCommandLine } from './interpreter';
import { missingModules, runInstall } from './serverProbe';
import { parseShape } from './settings';
import { installPlan, kernelChecks } from './traceKernel';
import {
  argumentsFromEditor,
  needsInputShape,
  summarizeTrace,
  traceTarget,
  withInputShape,
} from './traceAnswer';

export const TRACE_COMMAND = 'layerlint.traceShapes';
const LAST_SHAPE_KEY = 'layerlint.lastInputShape';

export interface TraceContext {
  state: vscode.Memento;
  log: vscode.LogOutputChannel;
  /** The interpreter running the server (the kernel's too, unless `layerlint.python` is set). */
  serverInterpreter: string;
}

/** Interpreters already found to have what the trace needs (checked once per session). */
const readyForTrace = new Set<string>();

export async function runTraceCommand(
  context: TraceContext, args: unknown[], send: ExecuteCommandSignature,
): Promise<unknown> {
  if (!vscode.workspace.isTrusted) {
    await explainUntrusted();
    return undefined;
  }
  let request = args.length > 0 ? args : paletteArguments();
  if (!request) {
    void vscode.window.showInformationMessage('layerlint: open a Python file to trace its model.');
    return undefined;
  }
  if (!await ensureKernelPackages(context, request[0])) return undefined;
  for (;;) {
    const answer: unknown = await send(TRACE_COMMAND, request);
    if (!needsInputShape(answer)) {
      report(context.log, answer);
      return answer;
    }
    const shape = await askInputShape(context.state, traceTarget(answer));
    if (!shape) return answer;
    await context.state.update(LAST_SHAPE_KEY, Array.isArray(shape) ? shape.join(',') : shape);
    request = withInputShape(request, shape);
  }
}

/** Whether a code lens runs the trace (hidden while the workspace is not trusted). */
export function isTraceLens(lens: vscode.CodeLens): boolean {
  return lens.command?.command === TRACE_COMMAND;
}

/**
 * Check (once per interpreter) that the kernel can start; when it cannot, say what is missing
 * and the exact command that would install it, and run it only if the user agrees.
 */
async function ensureKernelPackages(context: TraceContext, documentUri: unknown): Promise<boolean> {
  const resource = typeof documentUri === 'string' ? vscode.Uri.parse(documentUri) : undefined;
  const traceInterpreter = serverSettings(resource).settings.python ?? context.serverInterpreter;
  const key = `${traceInterpreter}\n${context.serverInterpreter}`;
  if (readyForTrace.has(key)) return true;
  const missing = new Map<string, string[]>();
  for (const check of kernelChecks(traceInterpreter, context.serverInterpreter)) {
    const found = await missingModules(check.interpreter, check.modules);
    if ('error' in found) {
      context.log.warn(`trace: could not check ${check.interpreter}: ${found.error}`);
      return true; // let the server try, and report what went wrong in its own words
    }
    missing.set(check.interpreter, found.missing);
  }
  const plan = installPlan(missing, traceInterpreter);
  if (!plan) {
    readyForTrace.add(key);
    return true;
  }
  context.log.info(`trace: ${plan.message}`);
  const install = 'Install';
  const output = 'Show Output';
  const picked = await vscode.window.showWarningMessage(plan.message, install, output);
  if (picked === output) context.log.show();
  if (picked !== install) return false;
  context.log.show(true);
  for (const command of plan.commands) {
    const ok = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `layerlint: ${displayCommandLine(command)}` },
      () => runInstall(command, (text) => context.log.append(text)),
    );
    if (!ok) {
      void vscode.window.showErrorMessage(
        `layerlint: ${displayCommandLine(command)} failed; the layerlint output has pip's messages.`,
      );
      return false;
    }
  }
  readyForTrace.add(key);
  return true;
}

function paletteArguments(): unknown[] | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== 'python') return undefined;
  const { line, character } = editor.selection.active;
  return argumentsFromEditor(editor.document.uri.toString(), { line, character });
}

async function askInputShape(state: vscode.Memento, target?: string): Promise<number[] | string | undefined> {
  const answer = await vscode.window.showInputBox({
    title: 'layerlint: input shape',
    prompt: `Input shape for ${target ?? 'the model'}, batch dimension first; several inputs: 1,32,32,3; 1,10:int32 (or name=..., or JSON)`,
    placeHolder: '1,32,32,3',
    value: state.get<string>(LAST_SHAPE_KEY, ''),
    ignoreFocusOut: true,
    validateInput: (text) => (parseInputShapes(text) ? undefined : 'Positive integers separated by commas, e.g. 1,32,32,3'),
  });
  return answer === undefined ? undefined : parseInputShapes(answer);
}

/** One plain shape as numbers; several inputs, dtypes or names as text the server parses. */
function parseInputShapes(text: string): number[] | string | undefined {
  return parseShape(text) ?? (/[;:={[]/.test(text.trim()) ? text.trim() : undefined);
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
