/**
 * layerlint's JupyterLab extension: quick-fixes for layerlint's diagnostics in notebook cells
 * (context menu, command palette, Ctrl+.), and "Trace shapes" in the notebook's own kernel.
 *
 * The diagnostics come from the language server JupyterLab already talks to (layerlint's own
 * server, or pylsp with layerlint's plugin) through `@jupyterlab/lsp`; nothing here starts a
 * server or a kernel.
 */
import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { CommandToolbarButton, ICommandPalette, Notification } from '@jupyterlab/apputils';
import type { Cell } from '@jupyterlab/cells';
import { ILSPDocumentConnectionManager } from '@jupyterlab/lsp';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { Menu } from '@lumino/widgets';

import {
  applyToCells,
  cellVirtualLines,
  DiagnosticsStore,
  diagnosticsAt,
  ICodeAction,
  INotebookLsp,
  notebookLsp,
  requestQuickFixes,
  resolved,
  virtualPosition
} from './quickfix';
import { clearTraces, showTrace, traceCell } from './trace';

const QUICK_FIX = 'layerlint:quick-fix';
const APPLY_FIX = 'layerlint:apply-fix';
const TRACE = 'layerlint:trace-shapes';
const CATEGORY = 'layerlint';

/** Where the last context menu opened, so "Quick fix" acts on the code under the pointer. */
let lastContextMenu: { x: number; y: number; target: Element | null } | null = null;

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'layerlint:plugin',
  description: "layerlint quick-fixes in notebook cells and shape traces in the notebook's kernel.",
  autoStart: true,
  requires: [INotebookTracker, ILSPDocumentConnectionManager],
  optional: [ICommandPalette],
  activate: (
    app: JupyterFrontEnd,
    notebooks: INotebookTracker,
    manager: ILSPDocumentConnectionManager,
    palette: ICommandPalette | null
  ) => {
    const store = new DiagnosticsStore(manager);
    let offered: { lsp: INotebookLsp; actions: ICodeAction[] } | null = null;
    document.addEventListener(
      'contextmenu',
      event => {
        lastContextMenu = { x: event.clientX, y: event.clientY, target: event.target as Element };
      },
      true
    );

    app.commands.addCommand(QUICK_FIX, {
      label: 'layerlint: Quick Fix…',
      caption: 'Show the quick-fixes for the layerlint finding at the cursor',
      isEnabled: () => notebooks.currentWidget !== null,
      execute: async args => {
        const panel = notebooks.currentWidget;
        if (!panel) {
          return;
        }
        const lsp = notebookLsp(manager, panel);
        if (typeof lsp === 'string') {
          Notification.warning(`layerlint: ${lsp}`, { autoClose: 5000 });
          return;
        }
        const target = targetCell(panel, args.fromContextMenu === true);
        if (!target) {
          Notification.info('layerlint: put the cursor on underlined code in a code cell.', { autoClose: 5000 });
          return;
        }
        const position = virtualPosition(lsp, target.cell, target.position);
        const diagnostics = position
          ? diagnosticsAt(store.get(lsp.document.documentInfo.uri), position, cellVirtualLines(lsp, target.cell))
          : [];
        const actions = (await requestQuickFixes(lsp, diagnostics)).filter(action => !action.disabled);
        if (!actions.length) {
          Notification.info('layerlint: no quick-fix here.', { autoClose: 5000 });
          return;
        }
        offered = { lsp, actions };
        const menu = new Menu({ commands: app.commands });
        menu.addClass('layerlint-QuickFixMenu');
        actions.forEach((action, index) => menu.addItem({ command: APPLY_FIX, args: { index } }));
        const where = target.cell.editor?.getCoordinateForPosition(target.position);
        const x = lastContextMenuUsed ?? (where ? where.left : 200);
        const y = where ? where.bottom : 200;
        menu.open(x, y);
      }
    });
    let lastContextMenuUsed: number | null = null;

    app.commands.addCommand(APPLY_FIX, {
      label: args => offered?.actions[args.index as number]?.title ?? 'Apply quick-fix',
      execute: async args => {
        if (!offered) {
          return;
        }
        const { lsp, actions } = offered;
        offered = null;
        try {
          const action = await resolved(lsp, actions[args.index as number]);
          if (!action.edit) {
            throw new Error('the server sent no edit (see its log)');
          }
          const cells = applyToCells(lsp, action.edit);
          Notification.success(
            `layerlint: ${action.title} (cell${cells.length > 1 ? 's' : ''} ${cells.map(i => i + 1).join(', ')})`,
            { autoClose: 4000 }
          );
        } catch (error) {
          console.warn('layerlint: fix not applied', error);
          Notification.error(`layerlint: fix not applied: ${(error as Error).message}`, { autoClose: 8000 });
        }
      }
    });

    app.commands.addCommand(TRACE, {
      label: 'layerlint: Trace Shapes',
      caption: "Run one forward pass in this notebook's kernel and show the shape at every layer call",
      isEnabled: () => notebooks.currentWidget !== null,
      execute: async args => {
        const panel = notebooks.currentWidget;
        const cell = (panel && targetCell(panel, args.fromContextMenu === true)?.cell) ?? panel?.content.activeCell;
        if (!panel || !cell || cell.model.type !== 'code') {
          Notification.info('layerlint: select the code cell that builds or calls the model.', { autoClose: 5000 });
          return;
        }
        clearTraces(panel);
        const id = Notification.emit("layerlint: tracing shapes in the notebook's kernel\u2026", 'in-progress', { autoClose: false });
        try {
          const result = await traceCell(panel, cell);
          const shown = showTrace(panel, result);
          const calls = result.calls?.length ?? 0;
          const [type, message] = result.status === 'ok'
            ? calls
              ? ['success' as const, `traced ${calls} layer call${calls > 1 ? 's' : ''}${shown ? '' : ' (none on a line of this notebook)'}`]
              : ['info' as const, 'no layer ran: trace the cell that builds or calls the model']
            : ['error' as const, `the traced run failed: ${result.error?.type_name}: ${result.error?.message}`];
          Notification.update({ id, message: `layerlint: ${message}`, type, autoClose: 6000 });
        } catch (error) {
          Notification.update({ id, message: `layerlint: ${(error as Error).message}`, type: 'error', autoClose: 10000 });
        }
      }
    });

    app.contextMenu.addItem({ command: QUICK_FIX, args: { fromContextMenu: true }, selector: '.jp-Notebook .jp-CodeCell .cm-content', rank: 0 });
    app.contextMenu.addItem({ command: TRACE, args: { fromContextMenu: true }, selector: '.jp-Notebook .jp-CodeCell', rank: 1 });
    app.commands.addKeyBinding({ command: QUICK_FIX, keys: ['Accel .'], selector: '.jp-Notebook.jp-mod-editMode' });
    if (palette) {
      palette.addItem({ command: QUICK_FIX, category: CATEGORY });
      palette.addItem({ command: TRACE, category: CATEGORY });
    }
    notebooks.widgetAdded.connect((_, panel) => {
      panel.toolbar.insertItem(10, 'layerlint-trace', traceButton(app));
    });

    function targetCell(panel: NotebookPanel, fromContextMenu: boolean) {
      lastContextMenuUsed = null;
      if (fromContextMenu && lastContextMenu?.target) {
        const node = lastContextMenu.target.closest('.jp-Cell');
        const cell = panel.content.widgets.find(candidate => candidate.node === node);
        const position = cell?.editor?.getPositionForCoordinate({
          left: lastContextMenu.x, right: lastContextMenu.x, top: lastContextMenu.y, bottom: lastContextMenu.y
        } as any);
        if (cell && cell.model.type === 'code' && position) {
          lastContextMenuUsed = lastContextMenu.x;
          return { cell: cell as Cell, position };
        }
      }
      const cell = panel.content.activeCell;
      if (!cell || cell.model.type !== 'code' || !cell.editor) {
        return null;
      }
      return { cell, position: cell.editor.getCursorPosition() };
    }
  }
};

function traceButton(app: JupyterFrontEnd): CommandToolbarButton {
  return new CommandToolbarButton({ commands: app.commands, id: TRACE, label: 'Trace shapes' });
}

export default plugin;
