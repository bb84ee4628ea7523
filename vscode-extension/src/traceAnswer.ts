/**
 * The `layerlint.traceShapes` command's arguments and answer, as the client sees them.
 *
 * Arguments travel as `[documentUri, className | {line, character} | null, inputShape?]`.
 * The server (layerlint/lsp/trace_features.py) answers `{status, message, target, device,
 * calls, elapsed, error?, ...}` where `status` is `ok`, `error`, `timeout`, `crashed`,
 * `cancelled`, `needs_input_shape`, `usage_error` or `internal_error`. On `needs_input_shape`
 * the client asks the user and sends the command again with the shape. Pure: no `vscode` import.
 */

export interface TracePosition {
  line: number;
  character: number;
}

export type TraceArguments = [string, (string | TracePosition | null)?, (number[] | null)?];

export interface TraceAnswer {
  status?: string;
  message?: string;
  target?: string | null;
  device?: string | null;
  calls?: number;
  elapsed?: number | null;
  error?: { type?: string; message?: string; line?: number | null } | null;
}

export interface TraceSummary {
  level: 'info' | 'warning' | 'error';
  text: string;
}

/** Arguments for a palette invocation: the active document and the cursor's position. */
export function argumentsFromEditor(uri: string, position: TracePosition): TraceArguments {
  return [uri, position];
}

/** The same request with an input shape, keeping whatever target it named. */
export function withInputShape(args: readonly unknown[], shape: number[] | string): unknown[] {
  const updated = [...args];
  while (updated.length < 2) updated.push(null);
  updated[2] = shape;
  return updated;
}

export function needsInputShape(answer: unknown): boolean {
  return asAnswer(answer)?.status === 'needs_input_shape';
}

/** The class the server was tracing, for the input box's prompt. */
export function traceTarget(answer: unknown): string | undefined {
  const target = asAnswer(answer)?.target;
  return typeof target === 'string' && target !== '' ? target : undefined;
}

/**
 * One line for the user, in the server's words where it sent some. The shapes themselves
 * appear as inlay hints and hovers, and a runtime error as an LL900 diagnostic on its line.
 */
export function summarizeTrace(answer: unknown): TraceSummary | undefined {
  const result = asAnswer(answer);
  if (!result?.status) return undefined;
  const target = result.target ? `${result.target}: ` : '';
  const fallback = result.error?.message ?? result.status.replace(/_/g, ' ');
  const message = result.message ?? fallback;
  switch (result.status) {
    case 'ok': {
      const time = typeof result.elapsed === 'number' ? ` in ${result.elapsed.toFixed(1)} s` : '';
      return { level: 'info', text: `${target}${message}${time}` };
    }
    case 'cancelled':
      return { level: 'info', text: `${target}trace cancelled` };
    case 'timeout':
    case 'needs_input_shape':
    case 'usage_error':
      return { level: 'warning', text: `${target}${message}` };
    default: // error, crashed, internal_error, and any status this client does not know yet
      return { level: 'error', text: `${target}${message}` };
  }
}

function asAnswer(answer: unknown): TraceAnswer | undefined {
  return typeof answer === 'object' && answer !== null ? (answer as TraceAnswer) : undefined;
}
