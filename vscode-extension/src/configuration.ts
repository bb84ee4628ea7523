/**
 * Reading the `layerlint.*` configuration from VS Code for one resource.
 *
 * Only values the user set somewhere (user, workspace, folder) are read, so the server's
 * `[tool.layerlint]` table in pyproject.toml stays in effect for everything else.
 */
import * as os from 'node:os';
import * as vscode from 'vscode';

import type { ImportStrategy, PathContext } from './interpreter';
import { SERVER_KEYS, toServerSettings, type MappedSettings, type RawSettings } from './settings';

export const SECTION = 'layerlint';

/**
 * Settings whose change needs a new server process rather than a didChangeConfiguration.
 * (`layerlint.python`, the trace kernel's interpreter, is not one: the server keeps a kernel
 * per interpreter and picks it per trace.)
 */
export const RESTART_SETTINGS = ['layerlint.interpreter', 'layerlint.importStrategy'];

/** Whether the change touches a value the server reads (not, say, `layerlint.trace.server`). */
export function affectsServerSettings(event: vscode.ConfigurationChangeEvent): boolean {
  return SERVER_KEYS.some((key) => event.affectsConfiguration(`${SECTION}.${key}`));
}

export function pathContext(resource?: vscode.Uri): PathContext {
  const folder = resource
    ? vscode.workspace.getWorkspaceFolder(resource)
    : vscode.workspace.workspaceFolders?.[0];
  return { workspaceFolder: folder?.uri.fsPath, homeDir: os.homedir(), env: process.env };
}

export function interpreterSetting(resource?: vscode.Uri): string | undefined {
  return vscode.workspace.getConfiguration(SECTION, resource).get<string>('interpreter');
}

export function importStrategySetting(resource?: vscode.Uri): ImportStrategy {
  const value = vscode.workspace.getConfiguration(SECTION, resource).get<string>('importStrategy');
  return value === 'fromEnvironment' ? 'fromEnvironment' : 'useBundled';
}

export function readRawSettings(resource?: vscode.Uri): RawSettings {
  const config = vscode.workspace.getConfiguration(SECTION, resource);
  const raw: RawSettings = {};
  for (const key of SERVER_KEYS) {
    if (isSetByUser(config.inspect(key))) raw[key] = config.get(key);
  }
  return raw;
}

export function serverSettings(resource?: vscode.Uri): MappedSettings {
  return toServerSettings(readRawSettings(resource), pathContext(resource));
}

function isSetByUser(inspected: ReturnType<vscode.WorkspaceConfiguration['inspect']>): boolean {
  if (!inspected) return false;
  return [
    inspected.globalValue, inspected.workspaceValue, inspected.workspaceFolderValue,
    inspected.globalLanguageValue, inspected.workspaceLanguageValue,
    inspected.workspaceFolderLanguageValue,
  ].some((value) => value !== undefined);
}
