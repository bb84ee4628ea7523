/**
 * The `layerlint.traceShapes` command's arguments and answer, as the client sees them.
 *
 * Arguments travel as `[documentUri, classNameOrPosition?, inputShape?]`. The server answers
 * with a trace result (`layerlint.trace.results.TraceResult.to_json()`): `status` is `ok`,
 * `error`, `timeout`, `crashed`, `cancelled`, `needs_input_shape` or `internal_error`. On
 * `needs_input_shape` the client asks the user and sends the command again with the shape.
 * Pure: no `vscode` import.
 */

export interface TracePosition {
  line: number;
  character: number;
}

export type TraceArguments = [string, (string | TracePosition | null)?, (number[] | null)?];

export interface TraceAnswer {
  status?: string;
  target?: string | null;
  device?: string | null;
  calls?: unknown[];
  elapsed_s?: number | null;
  error?: {
    kind?: string;
    type_name?: string;
    message?: string;
    site?: { line?: number } | null;
  } | null;
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
export function withInputShape(args: readonly unknown[], shape: number[]): unknown[] {
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
 * One line for the user. The shapes themselves appear as inlay hints and hovers and a runtime
 * error as an LL900 diagnostic, so this only says whether the trace ran and where.
 */
export function summarizeTrace(answer: unknown): TraceSummary | undefined {
  const result = asAnswer(answer);
  if (!result?.status) return undefined;
  const target = result.target ? `${result.target}: ` : '';
  const error = result.error;
  const where = error?.site?.line ? ` (line ${error.site.line})` : '';
  const why = error?.message ? `: ${error.message}` : '';
  switch (result.status) {
    case 'ok': {
      const calls = result.calls?.length ?? 0;
      const device = result.device ? ` on ${result.device}` : '';
      const time = typeof result.elapsed_s === 'number' ? ` in ${result.elapsed_s.toFixed(1)} s` : '';
      return { level: 'info', text: `${target}traced ${calls} layer calls${device}${time}.` };
    }
    case 'error':
      return { level: 'error', text: `${target}the model raised ${error?.type_name ?? 'an error'}${where}${why}` };
    case 'timeout':
      return { level: 'warning', text: `${target}the trace timed out and its kernel was restarted${why}` };
    case 'crashed':
      return { level: 'error', text: `${target}the trace kernel died and was restarted${why}` };
    case 'cancelled':
      return { level: 'info', text: `${target}trace cancelled.` };
    case 'needs_input_shape':
      return { level: 'warning', text: `${target}no input shape known; the trace did not run.` };
    default:
      return { level: 'error', text: `${target}the trace failed${why}` };
  }
}

function asAnswer(answer: unknown): TraceAnswer | undefined {
  return typeof answer === 'object' && answer !== null ? (answer as TraceAnswer) : undefined;
}
