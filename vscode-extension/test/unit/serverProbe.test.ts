/**
 * The interpreter probe and the pip install, run against real processes: small shell scripts
 * standing in for interpreters in each situation, and the project's own venv when it exists.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';

import { pipInstallLayerlint, probeInterpreter } from '../../src/serverProbe';

const scratch = mkdtempSync(path.join(tmpdir(), 'layerlint-probe-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

/** A fake interpreter: a shell script that records its arguments and behaves as told. */
function fakeInterpreter(name: string, body: string): string {
  const file = path.join(scratch, name);
  writeFileSync(file, `#!/bin/sh\necho "$@" > "${file}.args"\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

const repoRoot = path.resolve(__dirname, '..', '..', '..');
// CI sets LAYERLINT_TEST_PYTHON to its own environment; a developer checkout has .venv.
const venvPython = process.env.LAYERLINT_TEST_PYTHON ?? path.join(repoRoot, '.venv', 'bin', 'python');

describe('probeInterpreter', { skip: process.platform === 'win32' }, () => {
  it('reports a missing interpreter', async () => {
    const result = await probeInterpreter(path.join(scratch, 'no-such-python'));
    assert.equal(result.kind, 'no-interpreter');
    assert.match((result as { detail: string }).detail, /ENOENT/);
  });

  it('recognizes a Python without layerlint', async () => {
    const python = fakeInterpreter('python-bare', [
      'echo "Traceback (most recent call last):" >&2',
      'echo "ModuleNotFoundError: No module named \'layerlint\'" >&2',
      'exit 1',
    ].join('\n'));
    const result = await probeInterpreter(python);
    assert.deepEqual(result, {
      kind: 'no-layerlint', detail: "ModuleNotFoundError: No module named 'layerlint'",
    });
  });

  it('treats any other failure as an unusable interpreter', async () => {
    const python = fakeInterpreter('python-broken', 'echo "Fatal Python error: init failed" >&2\nexit 134');
    const result = await probeInterpreter(python);
    assert.equal(result.kind, 'no-interpreter');
    assert.match((result as { detail: string }).detail, /Fatal Python error/);
  });

  it('returns the version an interpreter with layerlint prints', async () => {
    const python = fakeInterpreter('python-ok', 'printf "9.8.7"');
    assert.deepEqual(await probeInterpreter(python), { kind: 'ready', version: '9.8.7' });
    const args = readFileSync(`${python}.args`, 'utf-8');
    assert.match(args, /^-c import layerlint/);
  });

  it('finds layerlint in the project\'s environment', { skip: !existsSync(venvPython) }, async () => {
    const init = readFileSync(path.join(repoRoot, 'server', 'layerlint', '__init__.py'), 'utf-8');
    const expected = /__version__\s*=\s*["']([^"']+)["']/.exec(init)?.[1];
    assert.ok(expected, 'layerlint/__init__.py declares __version__');
    assert.deepEqual(await probeInterpreter(venvPython), { kind: 'ready', version: expected });
  });
});

describe('pipInstallLayerlint', { skip: process.platform === 'win32' }, () => {
  it('runs pip as a module of the interpreter and streams its output', async () => {
    const python = fakeInterpreter('python-pip-ok', 'echo "Successfully installed layerlint-0.1.0"');
    const output: string[] = [];
    assert.equal(await pipInstallLayerlint(python, (text) => output.push(text)), true);
    assert.equal(readFileSync(`${python}.args`, 'utf-8').trim(), '-m pip install --upgrade layerlint');
    assert.match(output.join(''), /Successfully installed layerlint/);
  });

  it('reports failure when pip fails', async () => {
    const python = fakeInterpreter('python-pip-fails', 'echo "error: externally-managed-environment" >&2\nexit 1');
    const output: string[] = [];
    assert.equal(await pipInstallLayerlint(python, (text) => output.push(text)), false);
    assert.match(output.join(''), /externally-managed-environment/);
  });
});
