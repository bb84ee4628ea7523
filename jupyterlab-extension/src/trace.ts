/**
 * "Trace shapes" in the notebook's own running kernel: the active cell runs once more with
 * layerlint's probe recording every layer call, and the shapes appear under the cells whose
 * lines made the calls (a failing call marked on its line).
 *
 * Never starts a kernel: without a running one it says so. The probe travels as Python text
 * (`probe_source.ts`, generated from `layerlint.trace.probe`), installed once per kernel in a
 * namespace of its own; the kernel needs no layerlint. A trace that runs past the timeout is
 * interrupted (Jupyter's own interrupt); a kernel that dies is left to Jupyter's restart.
 */
import type { Cell } from '@jupyterlab/cells';
import type { NotebookPanel } from '@jupyterlab/notebook';
import type { Kernel, KernelMessage } from '@jupyterlab/services';

import { PROBE_BOOT } from './probe_source';

export const RESULT_MIME = 'application/vnd.layerlint.trace+json';
export const TIMEOUT_S = 60;

interface ISite {
  path: string;
  line: number;
  code?: string;
}

interface ITensor {
  shape: Array<number | null> | null;
  dtype?: string;
}

interface ICall {
  name?: string;
  class_name?: string;
  site?: ISite | null;
  inputs?: ITensor[];
  outputs?: ITensor[];
  failed?: boolean;
}

export interface ITraceResult {
  status: string;
  device?: string;
  target?: string;
  calls?: ICall[];
  error?: { type_name: string; message: string; site?: ISite | null; layer?: string | null };
  sources?: { [path: string]: string };
}

/** Run the trace of `cell` in the notebook's kernel; the promise says what happened. */
export async function traceCell(panel: NotebookPanel, cell: Cell, timeoutS = TIMEOUT_S): Promise<ITraceResult> {
  const kernel = panel.sessionContext.session?.kernel;
  if (!kernel || kernel.status === 'dead') {
    throw new Error("the notebook has no running kernel: start it and run your cells (layerlint never starts one)");
  }
  const code = `exec(${JSON.stringify(PROBE_BOOT)}, {"source": ${JSON.stringify(cell.model.sharedModel.getSource())}})`;
  const future = kernel.requestExecute({ code, silent: false, store_history: false, allow_stdin: false }, true);
  let result: ITraceResult | null = null;
  future.onIOPub = (message: KernelMessage.IIOPubMessage) => {
    if (message.header.msg_type === 'display_data') {
      const data = (message.content as KernelMessage.IDisplayDataMsg['content']).data;
      if (data[RESULT_MIME]) {
        result = data[RESULT_MIME] as unknown as ITraceResult;
      }
    }
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  let watch: ((_: unknown, status: Kernel.Status) => void) | undefined;
  const outcome = await Promise.race([
    future.done.then(() => 'done' as const),
    new Promise<'timeout'>(resolve => {
      timer = setTimeout(() => resolve('timeout'), timeoutS * 1000);
    }),
    new Promise<'died'>(resolve => {
      watch = (_: unknown, status: Kernel.Status) => {
        if (status === 'dead' || status === 'restarting' || status === 'autorestarting') {
          resolve('died');
        }
      };
      kernel.statusChanged.connect(watch);
    })
  ]).finally(() => {
    clearTimeout(timer);
    if (watch) {
      kernel.statusChanged.disconnect(watch);
    }
  });
  if (outcome === 'timeout') {
    await kernel.interrupt();
    throw new Error(`the trace ran past ${timeoutS} s and was interrupted (the kernel keeps its state)`);
  }
  if (outcome === 'died') {
    throw new Error('the kernel died during the trace; Jupyter restarts it: run your cells again');
  }
  if (!result) {
    throw new Error('the kernel sent no trace result (see the browser console)');
  }
  return result;
}

export function shapeText(tensors: ITensor[] | undefined): string {
  if (!tensors || !tensors.length) {
    return '?';
  }
  const one = (tensor: ITensor) => `(${(tensor.shape ?? []).map(size => (size === null ? 'None' : size)).join(', ')})`;
  return tensors.length === 1 ? one(tensors[0]) : `[${tensors.map(one).join(', ')}]`;
}

interface IRow {
  line: number;
  code: string;
  text: string;
  failed: boolean;
}

/** Rows per notebook cell index, from the sites whose file text is that cell's source. */
export function rowsByCell(result: ITraceResult, cellSources: string[]): Map<number, IRow[]> {
  const trimmed = (text: string) => text.replace(/\n+$/, '');
  const cellOf = new Map<string, number>();
  for (const [path, text] of Object.entries(result.sources ?? {})) {
    const index = cellSources.findIndex(source => trimmed(source) === trimmed(text));
    if (index >= 0) {
      cellOf.set(path, index);
    }
  }
  const rows = new Map<number, IRow[]>();
  const add = (site: ISite | null | undefined, text: string, failed: boolean) => {
    const index = site ? cellOf.get(site.path) : undefined;
    if (!site || index === undefined) {
      return;
    }
    const list = rows.get(index) ?? [];
    list.push({ line: site.line, code: site.code ?? '', text, failed });
    rows.set(index, list);
  };
  for (const call of result.calls ?? []) {
    if (call.site && call.outputs) {
      const name = call.name ?? call.class_name ?? 'layer';
      add(call.site, `${name}: ${shapeText(call.inputs)} \u2192 ${shapeText(call.outputs)}`, !!call.failed);
    }
  }
  if (result.error) {
    add(result.error.site, `\u2717 ${result.error.type_name}: ${result.error.message}`, true);
  }
  for (const list of rows.values()) {
    list.sort((a, b) => a.line - b.line);
  }
  return rows;
}

/** Remove earlier traces' tables from the notebook. */
export function clearTraces(panel: NotebookPanel): void {
  panel.content.node.querySelectorAll('.layerlint-Trace').forEach(node => node.remove());
}

/** A table under each cell that made calls: line, code, layer, input -> output shapes. */
export function showTrace(panel: NotebookPanel, result: ITraceResult): number {
  clearTraces(panel);
  const cells = panel.content.widgets;
  const rows = rowsByCell(result, cells.map(cell => cell.model.sharedModel.getSource()));
  for (const [index, list] of rows) {
    const box = document.createElement('div');
    box.className = 'layerlint-Trace';
    const caption = document.createElement('div');
    caption.className = 'layerlint-TraceCaption';
    caption.textContent = `layerlint: shapes traced in this notebook's kernel${result.device ? ` (${result.device})` : ''}`;
    const close = document.createElement('button');
    close.className = 'layerlint-TraceClose';
    close.textContent = '\u00d7';
    close.title = 'Hide the traced shapes';
    close.onclick = () => box.remove();
    caption.appendChild(close);
    box.appendChild(caption);
    const table = document.createElement('table');
    table.className = 'layerlint-TraceTable';
    for (const row of list) {
      const tr = table.insertRow();
      tr.className = row.failed ? 'layerlint-TraceFailed' : '';
      tr.insertCell().textContent = `line ${row.line}`;
      const code = tr.insertCell();
      code.className = 'layerlint-TraceCode';
      code.textContent = row.code;
      tr.insertCell().textContent = row.text;
    }
    box.appendChild(table);
    const input = cells[index].node.querySelector('.jp-Cell-inputWrapper');
    input?.insertAdjacentElement('afterend', box);
  }
  return rows.size;
}
