/**
 * The interpreter probe (the bundle's launcher answering one JSON line), the module check behind
 * the trace prompt, and the install it runs, against real processes: small shell scripts standing
 * in for interpreters in each situation, and real Pythons running the real launcher.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';

import { missingModules, parseProbe, probeInterpreter, runInstall } from '../../src/serverProbe';

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
// The launcher as checked in (bundled/tool/ holds a copy once scripts/bundle_vscode.py ran).
const sourceLauncher = path.join(repoRoot, 'vscode-extension', 'python', 'layerlint_vscode.py');
const bundledLauncher = path.join(repoRoot, 'bundled', 'tool', 'layerlint_vscode.py');
// CI sets LAYERLINT_TEST_PYTHON to its own environment; a developer checkout has .venv.
const venvPython = process.env.LAYERLINT_TEST_PYTHON ?? path.join(repoRoot, '.venv', 'bin', 'python');

describe('parseProbe', () => {
  const ready = {
    executable: '/v/bin/python', python: '3.11.7', supported: true, minimum: '3.10',
    layerlint: '0.1.0', layerlintPath: '/ext/bundled/libs/layerlint', bundled: true,
    libcst: '/ext/bundled/native/cp311/libcst', error: null,
  };

  it('reads a ready interpreter', () => {
    assert.deepEqual(parseProbe('/v/bin/python', 0, `${JSON.stringify(ready)}\n`, ''), {
      kind: 'ready', version: '0.1.0', python: '3.11.7', bundled: true,
      libcst: '/ext/bundled/native/cp311/libcst',
    });
  });

  it('says when quick fixes have no libcst', () => {
    const answer = parseProbe('/v/bin/python', 0, JSON.stringify({ ...ready, libcst: null }), '');
    assert.equal(answer.kind === 'ready' && answer.libcst, null);
  });

  it('reports a Python older than the minimum', () => {
    const old = { ...ready, python: '3.8.18', supported: false, layerlint: null, libcst: null };
    assert.deepEqual(parseProbe('/py38', 0, JSON.stringify(old), ''), {
      kind: 'too-old', python: '3.8.18', minimum: '3.10',
      detail: '/py38 is Python 3.8.18; layerlint needs Python 3.10 or newer',
    });
  });

  it('reports a broken environment in its own words', () => {
    const broken = { ...ready, layerlint: null, error: 'ImportError: cannot import name x' };
    assert.deepEqual(parseProbe('/v/bin/python', 0, JSON.stringify(broken), ''), {
      kind: 'broken', detail: '/v/bin/python: ImportError: cannot import name x',
    });
  });

  it('treats anything but a JSON answer as an unusable interpreter', () => {
    const python2 = parseProbe('/usr/bin/python', 1, '', '  File "x", line 3\nSyntaxError: invalid syntax\n');
    assert.deepEqual(python2, { kind: 'no-interpreter', detail: '/usr/bin/python: SyntaxError: invalid syntax' });
    assert.equal(parseProbe('/p', null, '', '').kind, 'no-interpreter');
    assert.equal(parseProbe('/p', 0, 'not json', '').kind, 'no-interpreter');
  });
});

describe('probeInterpreter', { skip: process.platform === 'win32' }, () => {
  it('reports a missing interpreter', async () => {
    const result = await probeInterpreter(path.join(scratch, 'no-such-python'), sourceLauncher);
    assert.equal(result.kind, 'no-interpreter');
    assert.match((result as { detail: string }).detail, /ENOENT/);
  });

  it('runs the launcher\'s probe with the import strategy in the environment', async () => {
    const python = fakeInterpreter('python-ok', [
      'echo "$LAYERLINT_IMPORT_STRATEGY" > "$0.strategy"',
      `echo '{"python": "3.12.1", "supported": true, "layerlint": "9.8.7", "bundled": false, "libcst": null}'`,
    ].join('\n'));
    const result = await probeInterpreter(python, '/ext/bundled/tool/layerlint_vscode.py', 'fromEnvironment');
    assert.deepEqual(result, { kind: 'ready', version: '9.8.7', python: '3.12.1', bundled: false, libcst: null });
    assert.equal(readFileSync(`${python}.args`, 'utf-8').trim(), '/ext/bundled/tool/layerlint_vscode.py probe');
    assert.equal(readFileSync(`${python}.strategy`, 'utf-8').trim(), 'fromEnvironment');
  });

  it('runs the real launcher with a real Python', { skip: !existsSync(venvPython) }, async () => {
    const init = readFileSync(path.join(repoRoot, 'server', 'layerlint', '__init__.py'), 'utf-8');
    const expected = /__version__\s*=\s*["']([^"']+)["']/.exec(init)?.[1];
    // Without a bundle next to it, the launcher finds the environment's own layerlint.
    const result = await probeInterpreter(venvPython, sourceLauncher);
    assert.equal(result.kind, 'ready');
    assert.equal(result.kind === 'ready' && result.version, expected);
    assert.equal(result.kind === 'ready' && result.bundled, false);
  });

  it('prefers the bundle once it is laid out', { skip: !existsSync(venvPython) || !existsSync(bundledLauncher) }, async () => {
    const result = await probeInterpreter(venvPython, bundledLauncher, 'useBundled');
    assert.equal(result.kind === 'ready' && result.bundled, true);
    const fromEnvironment = await probeInterpreter(venvPython, bundledLauncher, 'fromEnvironment');
    assert.equal(fromEnvironment.kind === 'ready' && fromEnvironment.bundled, false);
  });
});

describe('missingModules', { skip: process.platform === 'win32' || !existsSync(venvPython) }, () => {
  it('lists the modules an interpreter cannot import, without importing any', async () => {
    assert.deepEqual(await missingModules(venvPython, ['json', 'no_such_module_here', 'ipykernel']), {
      missing: ['no_such_module_here'],
    });
  });

  it('reports an interpreter that does not run', async () => {
    const found = await missingModules(path.join(scratch, 'no-such-python'), ['ipykernel']);
    assert.match('error' in found ? found.error : '', /ENOENT/);
  });
});

describe('runInstall', { skip: process.platform === 'win32' }, () => {
  it('runs exactly the command line it was given and streams its output', async () => {
    const python = fakeInterpreter('python-pip-ok', 'echo "Successfully installed ipykernel-6.29.5"');
    const output: string[] = [];
    const ok = await runInstall({ command: python, args: ['-m', 'pip', 'install', 'ipykernel'] },
      (text) => output.push(text));
    assert.equal(ok, true);
    assert.equal(readFileSync(`${python}.args`, 'utf-8').trim(), '-m pip install ipykernel');
    assert.match(output.join(''), /^> .*python-pip-ok -m pip install ipykernel\n/);
    assert.match(output.join(''), /Successfully installed ipykernel/);
  });

  it('reports failure when pip fails', async () => {
    const python = fakeInterpreter('python-pip-fails', 'echo "error: externally-managed-environment" >&2\nexit 1');
    const output: string[] = [];
    assert.equal(await runInstall({ command: python, args: ['-m', 'pip', 'install', 'ipykernel'] },
      (text) => output.push(text)), false);
    assert.match(output.join(''), /externally-managed-environment/);
  });
});
