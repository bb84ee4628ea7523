/**
 * An untrusted workspace cannot choose the interpreter layerlint runs.
 *
 * VS Code enforces Restricted Mode through the manifest: for a setting listed in
 * `capabilities.untrustedWorkspaces.restrictedConfigurations`, `getConfiguration().get()` answers
 * from user settings (or the default) only, while the workspace is untrusted. So the guarantee
 * holds if (1) every setting that names a program to run is listed there, and (2) its default
 * names no path, so the value VS Code falls back to chooses nothing inside the workspace.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import { chooseInterpreter, type PathContext } from '../../src/interpreter';
import { toServerSettings } from '../../src/settings';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf-8'));
const workspace: PathContext = { workspaceFolder: path.resolve('/untrusted/repo'), homeDir: '/home/ada', env: {} };

interface Property { default?: unknown; description?: string; markdownDescription?: string; scope?: string }

function properties(): Record<string, Property> {
  const sections = manifest.contributes.configuration;
  return Object.assign({}, ...(Array.isArray(sections) ? sections : [sections]).map((s) => s.properties));
}

/** Settings whose value is an interpreter or other program layerlint would start. */
function programSettings(): string[] {
  return Object.entries(properties())
    .filter(([, property]) => /interpreter|executable/i.test(`${property.description ?? ''} ${property.markdownDescription ?? ''}`))
    .map(([key]) => key);
}

describe('Restricted Mode (untrusted workspaces)', () => {
  it('declares limited support, so VS Code applies the restricted settings', () => {
    assert.equal(manifest.capabilities.untrustedWorkspaces.supported, 'limited');
  });

  it('restricts every setting that names a program to run', () => {
    const programs = programSettings();
    assert.ok(programs.includes('layerlint.interpreter') && programs.includes('layerlint.python'), `${programs}`);
    const restricted: string[] = manifest.capabilities.untrustedWorkspaces.restrictedConfigurations;
    for (const key of programs) assert.ok(restricted.includes(key), `${key} is not restricted`);
  });

  it('restricts where the trace runs and what it trusts: an existing kernel, a gateway and its token', () => {
    const restricted: string[] = manifest.capabilities.untrustedWorkspaces.restrictedConfigurations;
    for (const key of ['layerlint.traceExistingKernel', 'layerlint.traceGatewayUrl',
      'layerlint.traceGatewayToken', 'layerlint.traceGatewayValidateCert']) {
      assert.ok(restricted.includes(key), `${key} is not restricted`);
    }
    // The token is never read from a workspace's settings at all.
    assert.equal(properties()['layerlint.traceGatewayToken'].scope, 'machine');
  });

  it('falls back to nothing inside the workspace when only the default is left', () => {
    for (const key of programSettings()) assert.equal(properties()[key].default, '', key);
    // What the extension then gets for the two settings: the server's own interpreter ...
    assert.deepEqual(chooseInterpreter({ setting: '', context: workspace, platform: 'linux' }),
      { path: 'python3', source: 'default' });
    // ... and no trace interpreter sent to the server.
    assert.equal(toServerSettings({ python: '' }, workspace).settings.python, undefined);
  });

  it('would otherwise resolve a workspace-relative path into the workspace (why the restriction matters)', () => {
    const choice = chooseInterpreter({ setting: '.venv/bin/python', context: workspace, platform: 'linux' });
    assert.equal(choice.path, path.join(workspace.workspaceFolder!, '.venv/bin/python'));
  });
});
