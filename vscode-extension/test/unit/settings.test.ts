/** Settings mapping: only user-set, valid values reach the server, under the server's keys. */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import type { PathContext } from '../../src/interpreter';
import { SERVER_KEYS, parseShape, toServerSettings } from '../../src/settings';

const context: PathContext = { workspaceFolder: path.resolve('/projects/cnn'), homeDir: '/home/ada', env: {} };

describe('toServerSettings', () => {
  it('sends nothing when the user set nothing, so pyproject.toml stays in charge', () => {
    assert.deepEqual(toServerSettings({}, context), { settings: {}, problems: [] });
  });

  it('maps every server key from a complete configuration', () => {
    const { settings, problems } = toServerSettings({
      select: ['ll1', ' LL2 '],
      ignore: ['LL104'],
      severity: { ll103: 'Hint', LL101: 'error' },
      kerasVersion: '3.6.0',
      failOn: 'error',
      inputShape: '1,32,32,3',
      traceTimeout: 30,
      traceDevice: 'cpu',
      python: '${workspaceFolder}/.venv/bin/python',
      traceExistingKernel: 'kernel-1234.json',
      traceGatewayUrl: 'https://gpu-host:8888',
      traceGatewayToken: 'secret',
      traceGatewayKernel: 'python3',
      traceGatewayValidateCert: false,
      traceMemoryLimit: 4096,
    }, context);
    assert.deepEqual(problems, []);
    assert.deepEqual(settings, {
      select: ['LL1', 'LL2'],
      ignore: ['LL104'],
      severity: { LL103: 'hint', LL101: 'error' },
      kerasVersion: '3.6.0',
      failOn: 'error',
      inputShape: [1, 32, 32, 3],
      traceTimeout: 30,
      traceDevice: 'cpu',
      python: path.join(context.workspaceFolder!, '.venv/bin/python'),
      traceExistingKernel: 'kernel-1234.json',
      traceGatewayUrl: 'https://gpu-host:8888',
      traceGatewayToken: 'secret',
      traceGatewayKernel: 'python3',
      traceGatewayValidateCert: false,
      traceMemoryLimit: 4096,
    });
    assert.deepEqual(Object.keys(settings).sort(), [...SERVER_KEYS].sort());
  });

  it('treats empty strings as "not set"', () => {
    const { settings, problems } = toServerSettings(
      { kerasVersion: '', inputShape: '  ', python: '' }, context,
    );
    assert.deepEqual(settings, {});
    assert.deepEqual(problems, []);
  });

  it('keeps an explicitly empty select list (the user chose "all rules")', () => {
    assert.deepEqual(toServerSettings({ select: [] }, context).settings, { select: [] });
  });

  it('drops invalid values and says which', () => {
    const { settings, problems } = toServerSettings({
      select: 'LL101',
      severity: { LL101: 'fatal', LL104: 'hint' },
      failOn: 'sometimes',
      inputShape: '1,x,3',
      traceTimeout: -5,
      traceDevice: 'tpu',
    }, context);
    assert.deepEqual(settings, { severity: { LL104: 'hint' } });
    const mentioned = problems.map((line) => line.split(':')[0]);
    assert.deepEqual(mentioned, [
      'layerlint.select', 'layerlint.severity', 'layerlint.failOn',
      'layerlint.inputShape', 'layerlint.traceTimeout', 'layerlint.traceDevice',
    ]);
    assert.match(problems[1], /LL101="fatal"/);
  });

  it('rejects a severity table that is not an object', () => {
    const { settings, problems } = toServerSettings({ severity: ['LL101'] }, context);
    assert.deepEqual(settings, {});
    assert.equal(problems.length, 1);
  });
});

describe('parseShape', () => {
  it('reads the notations users type', () => {
    for (const text of ['1,32,32,3', '(1, 32, 32, 3)', '[1,32,32,3]', ' 1 , 32,32 ,3 ']) {
      assert.deepEqual(parseShape(text), [1, 32, 32, 3], text);
    }
    assert.deepEqual(parseShape('(8,)'), [8]);
    assert.deepEqual(parseShape([2, 10]), [2, 10]);
  });

  it('refuses anything but positive integers', () => {
    for (const value of ['', '()', '1,0,3', '1,-2', '1.5,2', 'a,b', '1;2', [1, 2.5], 'None,3', {}, 7]) {
      assert.equal(parseShape(value), undefined, JSON.stringify(value));
    }
  });
});

describe('trace kernel settings', () => {
  it('expands a connection-file path but sends a bare kernel name as it is', () => {
    const { settings } = toServerSettings({ traceExistingKernel: '${workspaceFolder}/k.json' }, context);
    assert.equal(settings.traceExistingKernel, path.join(context.workspaceFolder!, 'k.json'));
    assert.equal(toServerSettings({ traceExistingKernel: 'kernel-1.json' }, context).settings.traceExistingKernel,
      'kernel-1.json');
  });

  it('drops a gateway URL that is not http(s), a non-boolean cert flag and a negative memory limit', () => {
    const { settings, problems } = toServerSettings({
      traceGatewayUrl: 'gpu-host:8888', traceGatewayValidateCert: 'no', traceMemoryLimit: -1,
    }, context);
    assert.deepEqual(settings, {});
    assert.equal(problems.length, 3);
    assert.ok(problems.every((problem) => !problem.includes('secret')));
  });
});
