/**
 * Settings mapping: VS Code's `layerlint.*` values -> the object the server reads.
 *
 * The server reads the keys in `SERVER_KEYS` and layers them over `[tool.layerlint]` in
 * pyproject.toml. So only values the user actually set are sent: an editor default must not
 * hide the project's own configuration. Invalid values are dropped and reported as problems,
 * never sent. Pure: no `vscode` import.
 *
 * The keys' source is the server's `Settings` (layerlint/config.py):
 * tests/test_config_editor_keys.py holds `SERVER_KEYS`, `ServerSettings`, the choice lists
 * below and package.json to its keys, types, defaults and choices.
 */
import { expandSettingPath, type PathContext } from './interpreter';

export const SEVERITIES = ['error', 'warning', 'information', 'hint'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const TRACE_DEVICES = ['auto', 'cpu', 'gpu'] as const;
export type TraceDevice = (typeof TRACE_DEVICES)[number];

/** The keys the server understands, in the order they are documented. */
export const SERVER_KEYS = [
  'select', 'ignore', 'severity', 'kerasVersion', 'failOn',
  'inputShape', 'traceTimeout', 'traceDevice', 'python',
  'traceExistingKernel', 'traceGatewayUrl', 'traceGatewayToken', 'traceGatewayKernel',
  'traceGatewayValidateCert', 'traceMemoryLimit',
] as const;
export type ServerKey = (typeof SERVER_KEYS)[number];

/** Values as read from the configuration; `undefined` means "not set by the user". */
export type RawSettings = Partial<Record<ServerKey, unknown>>;

export interface ServerSettings {
  select?: string[];
  ignore?: string[];
  severity?: Record<string, Severity>;
  kerasVersion?: string;
  failOn?: Severity;
  inputShape?: number[];
  traceTimeout?: number;
  traceDevice?: TraceDevice;
  python?: string;
  traceExistingKernel?: string;
  traceGatewayUrl?: string;
  traceGatewayToken?: string;
  traceGatewayKernel?: string;
  traceGatewayValidateCert?: boolean;
  traceMemoryLimit?: number;
}

export interface MappedSettings {
  settings: ServerSettings;
  /** One line per dropped value, for the output channel. */
  problems: string[];
}

export function toServerSettings(raw: RawSettings, context: PathContext): MappedSettings {
  const settings: ServerSettings = {};
  const problems: string[] = [];
  const reject = (key: string, value: unknown, why: string): void => {
    problems.push(`layerlint.${key}: ignored ${JSON.stringify(value)} (${why})`);
  };

  for (const key of ['select', 'ignore'] as const) {
    const value = raw[key];
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      settings[key] = ruleCodes(value);
    } else {
      reject(key, value, 'expected a list of rule codes');
    }
  }

  if (raw.severity !== undefined) {
    const severity = severityOverrides(raw.severity, problems);
    if (severity !== undefined) settings.severity = severity;
  }

  const kerasVersion = nonEmptyString(raw.kerasVersion);
  if (kerasVersion !== undefined) settings.kerasVersion = kerasVersion;

  if (raw.failOn !== undefined) {
    if (isSeverity(raw.failOn)) settings.failOn = raw.failOn;
    else reject('failOn', raw.failOn, `expected one of ${SEVERITIES.join(', ')}`);
  }

  // An empty string is the setting's default: "read the shape from the code".
  const shapeIsSet = raw.inputShape !== undefined
    && !(typeof raw.inputShape === 'string' && raw.inputShape.trim() === '');
  if (shapeIsSet) {
    const shape = parseShape(raw.inputShape);
    if (shape) settings.inputShape = shape;
    else reject('inputShape', raw.inputShape, 'expected positive integers like 1,32,32,3');
  }

  if (raw.traceTimeout !== undefined) {
    const seconds = Number(raw.traceTimeout);
    if (typeof raw.traceTimeout === 'number' && Number.isFinite(seconds) && seconds > 0) {
      settings.traceTimeout = seconds;
    } else {
      reject('traceTimeout', raw.traceTimeout, 'expected a positive number of seconds');
    }
  }

  if (raw.traceDevice !== undefined) {
    if ((TRACE_DEVICES as readonly unknown[]).includes(raw.traceDevice)) {
      settings.traceDevice = raw.traceDevice as TraceDevice;
    } else {
      reject('traceDevice', raw.traceDevice, `expected one of ${TRACE_DEVICES.join(', ')}`);
    }
  }

  const python = nonEmptyString(raw.python);
  if (python !== undefined) settings.python = expandSettingPath(python, context);

  const existingKernel = nonEmptyString(raw.traceExistingKernel);
  if (existingKernel !== undefined) {
    // A bare kernel name (kernel-1234.json) is looked up by the server in Jupyter's runtime folder.
    settings.traceExistingKernel = /[\\/]|^~|\$\{/.test(existingKernel)
      ? expandSettingPath(existingKernel, context) : existingKernel;
  }
  const gatewayUrl = nonEmptyString(raw.traceGatewayUrl);
  if (gatewayUrl !== undefined) {
    if (/^(https?|wss?):\/\/[^\s/]+(\/\S*)?$/.test(gatewayUrl)) settings.traceGatewayUrl = gatewayUrl;
    else reject('traceGatewayUrl', raw.traceGatewayUrl, 'expected an http(s):// URL');
  }
  const token = nonEmptyString(raw.traceGatewayToken);
  if (token !== undefined) settings.traceGatewayToken = token;
  const gatewayKernel = nonEmptyString(raw.traceGatewayKernel);
  if (gatewayKernel !== undefined) settings.traceGatewayKernel = gatewayKernel;
  if (raw.traceGatewayValidateCert !== undefined) {
    if (typeof raw.traceGatewayValidateCert === 'boolean') {
      settings.traceGatewayValidateCert = raw.traceGatewayValidateCert;
    } else {
      reject('traceGatewayValidateCert', raw.traceGatewayValidateCert, 'expected true or false');
    }
  }
  if (raw.traceMemoryLimit !== undefined) {
    const megabytes = raw.traceMemoryLimit;
    if (typeof megabytes === 'number' && Number.isInteger(megabytes) && megabytes >= 0) {
      settings.traceMemoryLimit = megabytes;
    } else {
      reject('traceMemoryLimit', megabytes, 'expected a whole number of megabytes (0: no limit)');
    }
  }

  return { settings, problems };
}

/**
 * Parse an input shape: `1,32,32,3`, `(1, 32, 32, 3)`, `[1, 32, 32, 3]` or a list of numbers.
 * Returns undefined unless every dimension is a positive integer.
 */
export function parseShape(value: unknown): number[] | undefined {
  let parts: unknown[];
  if (typeof value === 'string') {
    const inner = value.trim().replace(/^[([]\s*/, '').replace(/\s*[)\]]$/, '');
    parts = inner.split(',').map((part) => part.trim()).filter((part) => part !== '');
    if (parts.some((part) => !/^\d+$/.test(part as string))) return undefined;
  } else if (Array.isArray(value)) {
    parts = value;
  } else {
    return undefined;
  }
  const dims = parts.map((part) => Number(part));
  if (dims.length === 0 || dims.some((dim) => !Number.isInteger(dim) || dim <= 0)) {
    return undefined;
  }
  return dims;
}

function ruleCodes(values: unknown[]): string[] {
  return values.map((value) => String(value).trim().toUpperCase()).filter((code) => code !== '');
}

function severityOverrides(
  value: unknown, problems: string[],
): Record<string, Severity> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(`layerlint.severity: ignored ${JSON.stringify(value)} (expected an object)`);
    return undefined;
  }
  const overrides: Record<string, Severity> = {};
  for (const [code, level] of Object.entries(value)) {
    const normalized = typeof level === 'string' ? level.trim().toLowerCase() : level;
    if (isSeverity(normalized)) {
      overrides[code.trim().toUpperCase()] = normalized;
    } else {
      problems.push(
        `layerlint.severity: ignored ${code}=${JSON.stringify(level)} ` +
        `(expected one of ${SEVERITIES.join(', ')})`,
      );
    }
  }
  return overrides;
}

function isSeverity(value: unknown): value is Severity {
  return (SEVERITIES as readonly unknown[]).includes(value);
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
