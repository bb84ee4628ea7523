/**
 * Quick-fixes in notebook cells: ask the language server JupyterLab is connected to for
 * `textDocument/codeAction` at a diagnostic, and apply the chosen action's WorkspaceEdit to
 * the cells it touches.
 *
 * jupyterlab-lsp draws the diagnostics but offers no code actions; this module listens to
 * the same `textDocument/publishDiagnostics` notifications on the connections of
 * `@jupyterlab/lsp`'s connection manager, so a request echoes the diagnostics the server
 * sent (layerlint's server and its pylsp plugin both rebuild the fixes from them).
 * Positions travel through the notebook's virtual document (cells joined by blank lines):
 * cursor -> virtual position for the request, virtual lines -> (cell, line) for the edit.
 * Each touched cell changes in one transaction, so one undo in that cell reverts it.
 */
import type { Cell } from '@jupyterlab/cells';
import type { CodeEditor } from '@jupyterlab/codeeditor';
import type {
  ILSPConnection,
  ILSPDocumentConnectionManager,
  VirtualDocument,
  WidgetLSPAdapter
} from '@jupyterlab/lsp';
import type { NotebookPanel } from '@jupyterlab/notebook';

import { applyTextEdits, ILineHunk, ITextEdit, lineHunks, minimalReplacement, replaceLines } from './edits';

export interface IDiagnostic {
  range: ITextEdit['range'];
  message: string;
  source?: string;
  code?: string | number;
  data?: unknown;
}

export interface ICodeAction {
  title: string;
  kind?: string;
  diagnostics?: IDiagnostic[];
  edit?: IWorkspaceEdit;
  data?: unknown;
  disabled?: { reason: string };
}

interface IWorkspaceEdit {
  changes?: { [uri: string]: ITextEdit[] };
  documentChanges?: Array<{ textDocument?: { uri: string }; edits?: ITextEdit[]; kind?: string }>;
}

/** The connection, virtual document and adapter of one open notebook. */
export interface INotebookLsp {
  panel: NotebookPanel;
  adapter: WidgetLSPAdapter<any>;
  document: VirtualDocument;
  connection: ILSPConnection;
}

/** The latest diagnostics each server published, by document URI. */
export class DiagnosticsStore {
  private byUri = new Map<string, IDiagnostic[]>();
  private hooked = new WeakSet<ILSPConnection>();

  constructor(manager: ILSPDocumentConnectionManager) {
    manager.connected.connect((_, data) => this.hook(data.connection));
    for (const connection of manager.connections.values()) {
      this.hook(connection);
    }
  }

  get(uri: string): IDiagnostic[] {
    return this.byUri.get(uri) ?? [];
  }

  private hook(connection: ILSPConnection): void {
    if (this.hooked.has(connection)) {
      return;
    }
    this.hooked.add(connection);
    connection.serverNotifications['textDocument/publishDiagnostics'].connect((_, params) => {
      this.byUri.set(params.uri, params.diagnostics as IDiagnostic[]);
    });
  }
}

export function notebookLsp(
  manager: ILSPDocumentConnectionManager,
  panel: NotebookPanel
): INotebookLsp | string {
  let adapter: WidgetLSPAdapter<any> | undefined;
  for (const candidate of manager.adapters.values()) {
    if (candidate.widget === panel) {
      adapter = candidate;
    }
  }
  const document = adapter?.virtualDocument;
  if (!adapter || !document) {
    return 'This notebook is not connected to a language server (is jupyterlab-lsp installed?).';
  }
  const connection = manager.connections.get(document.uri);
  if (!connection || !connection.isReady) {
    return 'The language server is not ready yet for this notebook.';
  }
  return { panel, adapter, document, connection };
}

export function isLayerlintDiagnostic(diagnostic: IDiagnostic): boolean {
  return diagnostic.source === 'layerlint' || /^LL\d{3}$/.test(String(diagnostic.code ?? ''));
}

/** The virtual-document position of a cell's editor position (null if not mapped). */
export function virtualPosition(
  lsp: INotebookLsp,
  cell: Cell,
  position: CodeEditor.IPosition
): { line: number; character: number } | null {
  const index = lsp.panel.content.widgets.indexOf(cell);
  const editor = lsp.adapter.editors[index]?.ceEditor;
  if (!editor) {
    return null;
  }
  const root = lsp.document.transformFromEditorToRoot(editor, {
    line: position.line,
    ch: position.column
  } as any);
  if (!root) {
    return null;
  }
  try {
    const virtual = lsp.document.virtualPositionAtDocument(root as any);
    return { line: virtual.line, character: virtual.ch };
  } catch {
    return null;
  }
}

/** The layerlint diagnostics at a virtual position: under it, else on its line, else in the cell. */
export function diagnosticsAt(
  all: IDiagnostic[],
  position: { line: number; character: number },
  cellLines: [number, number] | null
): IDiagnostic[] {
  const ours = all.filter(isLayerlintDiagnostic);
  const before = (a: { line: number; character: number }, b: { line: number; character: number }) =>
    a.line < b.line || (a.line === b.line && a.character <= b.character);
  const under = ours.filter(d => before(d.range.start, position) && before(position, d.range.end));
  if (under.length) {
    return under;
  }
  const onLine = ours.filter(d => d.range.start.line <= position.line && position.line <= d.range.end.line);
  if (onLine.length || !cellLines) {
    return onLine;
  }
  return ours.filter(d => cellLines[0] <= d.range.start.line && d.range.start.line <= cellLines[1]);
}

/** The virtual lines [first, last] of a cell (null when it is not in the virtual document). */
export function cellVirtualLines(lsp: INotebookLsp, cell: Cell): [number, number] | null {
  const lastLine = cell.model.sharedModel.getSource().split('\n').length - 1;
  const first = virtualPosition(lsp, cell, { line: 0, column: 0 });
  const last = virtualPosition(lsp, cell, { line: lastLine, column: 0 });
  return first && last ? [first.line, last.line] : null;
}

export async function requestQuickFixes(
  lsp: INotebookLsp,
  diagnostics: IDiagnostic[]
): Promise<ICodeAction[]> {
  if (!diagnostics.length) {
    return [];
  }
  const result = await lsp.connection.clientRequests['textDocument/codeAction'].request({
    textDocument: { uri: lsp.document.documentInfo.uri },
    range: diagnostics[0].range,
    context: { diagnostics: diagnostics as any, only: ['quickfix'] }
  });
  const actions: ICodeAction[] = [];
  for (const item of result ?? []) {
    if ('title' in item && !('command' in item && typeof (item as any).command === 'string')) {
      actions.push(item as ICodeAction);
    }
  }
  return actions;
}

/** The action with its edit (a server that resolves edits lazily gets `codeAction/resolve`). */
export async function resolved(lsp: INotebookLsp, action: ICodeAction): Promise<ICodeAction> {
  if (action.edit || action.data === undefined) {
    return action;
  }
  // `codeAction/resolve` is not among @jupyterlab/lsp's typed requests; its JSON-RPC
  // connection (LspWsConnection.connection) sends any method.
  const rpc = (lsp.connection as any).connection;
  if (!rpc || typeof rpc.sendRequest !== 'function') {
    return action;
  }
  return (await rpc.sendRequest('codeAction/resolve', action)) as ICodeAction;
}

/**
 * Apply `edit` (of the virtual document) to the notebook's cells. Returns the indices of the
 * changed cells, or throws an Error saying why nothing was changed.
 */
export function applyToCells(lsp: INotebookLsp, edit: IWorkspaceEdit): number[] {
  const uri = lsp.document.documentInfo.uri;
  const edits: ITextEdit[] = [];
  for (const [target, changes] of Object.entries(edit.changes ?? {})) {
    if (!sameDocument(target, uri)) {
      throw new Error(`the fix edits another document (${target})`);
    }
    edits.push(...changes);
  }
  for (const change of edit.documentChanges ?? []) {
    if (change.kind || !change.textDocument || !change.edits) {
      throw new Error('the fix creates, renames or deletes files');
    }
    if (!sameDocument(change.textDocument.uri, uri)) {
      throw new Error(`the fix edits another document (${change.textDocument.uri})`);
    }
    edits.push(...change.edits);
  }
  const oldText = lsp.document.value;
  const virtualLines = oldText.split('\n');
  const hunks = lineHunks(oldText, applyTextEdits(oldText, edits));
  const cells = lsp.panel.content.widgets;
  // The adapter's editor wrappers, one per notebook cell in order (the virtual document's
  // lines point at these wrappers).
  const editors = lsp.adapter.editors.map(block => block.ceEditor);
  const place = (line: number): { cell: number; line: number } | null => {
    if (line < 0 || line >= virtualLines.length) {
      return null;
    }
    const editorPosition = lsp.document.transformVirtualToEditor({ line, ch: 0 } as any);
    if (!editorPosition) {
      return null; // a blank line between cells
    }
    const cell = editors.indexOf(lsp.document.getEditorAtVirtualLine({ line, ch: 0 } as any));
    if (cell < 0) {
      return null;
    }
    const cellLine = cells[cell].model.sharedModel.getSource().split('\n')[editorPosition.line];
    // A line JupyterLab rewrote (an IPython magic) cannot be edited through its rewrite.
    return cellLine === virtualLines[line] ? { cell, line: editorPosition.line } : null;
  };
  const runs = new Map<number, ILineHunk[]>();
  for (const hunk of hunks) {
    let start: { cell: number; line: number } | null;
    if (hunk.oldStart === hunk.oldEnd) {
      const after = place(hunk.oldStart - 1);
      start = after ? { cell: after.cell, line: after.line + 1 } : place(hunk.oldStart);
    } else {
      start = place(hunk.oldStart);
      for (let line = hunk.oldStart; start && line < hunk.oldEnd; line++) {
        const here = place(line);
        if (!here || here.cell !== start.cell || here.line !== start.line + (line - hunk.oldStart)) {
          start = null;
        }
      }
    }
    if (!start) {
      throw new Error('the fix changes lines between cells or an IPython magic');
    }
    const cellRuns = runs.get(start.cell) ?? [];
    cellRuns.push({ oldStart: start.line, oldEnd: start.line + hunk.oldEnd - hunk.oldStart, lines: hunk.lines });
    runs.set(start.cell, cellRuns);
  }
  for (const [index, cellRuns] of runs) {
    const shared = cells[index].model.sharedModel;
    const source = shared.getSource();
    const change = minimalReplacement(source, replaceLines(source, cellRuns));
    if (change) {
      // One transaction per cell: one step of that cell's undo history.
      shared.transact(() => shared.updateSource(change.start, change.end, change.text));
    }
  }
  return [...runs.keys()].sort((a, b) => a - b);
}

function sameDocument(a: string, b: string): boolean {
  const normal = (uri: string) => decodeURIComponent(uri).replace(/^file:\/\/\/?/, '/').replace(/^\/+/, '/');
  return normal(a) === normal(b);
}
