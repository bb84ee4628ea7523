/**
 * Text edits of the notebook's virtual document, turned into changed line runs.
 *
 * JupyterLab sends a notebook to the language server as one virtual document (the code cells
 * joined by blank lines). A quick-fix answers with edits of that document, which may span
 * several cells (a split renames a layer in the cell with `__init__` and in the cell with the
 * calls). Applying the edits to the virtual text and diffing the lines before and after gives
 * the changed runs of lines; each run must then fall inside one cell. Pure functions only.
 */

export interface IPosition {
  line: number;
  character: number;
}

export interface ITextEdit {
  range: { start: IPosition; end: IPosition };
  newText: string;
}

/** Old lines [oldStart, oldEnd) are replaced by `lines`. */
export interface ILineHunk {
  oldStart: number;
  oldEnd: number;
  lines: string[];
}

/** The text with `edits` applied (LSP semantics: all ranges refer to the original text). */
export function applyTextEdits(text: string, edits: ITextEdit[]): string {
  const lineStarts = [0];
  for (let index = 0; index < text.length; index++) {
    if (text[index] === '\n') {
      lineStarts.push(index + 1);
    }
  }
  const offset = (position: IPosition): number => {
    if (position.line >= lineStarts.length) {
      return text.length;
    }
    const start = lineStarts[position.line];
    const next = position.line + 1 < lineStarts.length ? lineStarts[position.line + 1] - 1 : text.length;
    return Math.min(start + position.character, next);
  };
  const sorted = edits
    .map(edit => ({ start: offset(edit.range.start), end: offset(edit.range.end), text: edit.newText }))
    .sort((a, b) => b.start - a.start || b.end - a.end);
  let result = text;
  for (const edit of sorted) {
    result = result.slice(0, edit.start) + edit.text + result.slice(edit.end);
  }
  return result;
}

/** The changed runs of lines between `oldText` and `newText`, top to bottom. */
export function lineHunks(oldText: string, newText: string): ILineHunk[] {
  const a = oldText.split('\n');
  const b = newText.split('\n');
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) {
    prefix++;
  }
  let suffix = 0;
  while (
    suffix < a.length - prefix &&
    suffix < b.length - prefix &&
    a[a.length - 1 - suffix] === b[b.length - 1 - suffix]
  ) {
    suffix++;
  }
  const oldMiddle = a.slice(prefix, a.length - suffix);
  const newMiddle = b.slice(prefix, b.length - suffix);
  return diffLines(oldMiddle, newMiddle).map(hunk => ({
    oldStart: hunk.oldStart + prefix,
    oldEnd: hunk.oldEnd + prefix,
    lines: hunk.lines
  }));
}

/** A longest-common-subsequence line diff (the differing middle of a fix is small). */
function diffLines(a: string[], b: string[]): ILineHunk[] {
  const rows = a.length + 1;
  const columns = b.length + 1;
  const common = new Uint32Array(rows * columns);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      common[i * columns + j] =
        a[i] === b[j]
          ? common[(i + 1) * columns + j + 1] + 1
          : Math.max(common[(i + 1) * columns + j], common[i * columns + j + 1]);
    }
  }
  const hunks: ILineHunk[] = [];
  let current: ILineHunk | null = null;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      current = null;
      i++;
      j++;
      continue;
    }
    if (current === null) {
      current = { oldStart: i, oldEnd: i, lines: [] };
      hunks.push(current);
    }
    if (j < b.length && (i === a.length || common[i * columns + j + 1] >= common[(i + 1) * columns + j])) {
      current.lines.push(b[j]);
      j++;
    } else {
      i++;
      current.oldEnd = i;
    }
  }
  return hunks;
}

/** A cell's text with its own line runs replaced (runs given in cell lines, any order). */
export function replaceLines(text: string, runs: ILineHunk[]): string {
  const lines = text.split('\n');
  for (const run of [...runs].sort((x, y) => y.oldStart - x.oldStart)) {
    lines.splice(run.oldStart, run.oldEnd - run.oldStart, ...run.lines);
  }
  return lines.join('\n');
}

/** The smallest single replacement turning `oldText` into `newText`. */
export function minimalReplacement(
  oldText: string,
  newText: string
): { start: number; end: number; text: string } | null {
  if (oldText === newText) {
    return null;
  }
  let start = 0;
  while (start < oldText.length && start < newText.length && oldText[start] === newText[start]) {
    start++;
  }
  let tail = 0;
  while (
    tail < oldText.length - start &&
    tail < newText.length - start &&
    oldText[oldText.length - 1 - tail] === newText[newText.length - 1 - tail]
  ) {
    tail++;
  }
  return { start, end: oldText.length - tail, text: newText.slice(start, newText.length - tail) };
}
