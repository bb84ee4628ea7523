/** The trace command's arguments and the client's reading of the server's answer. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  argumentsFromEditor,
  needsInputShape,
  summarizeTrace,
  traceTarget,
  withInputShape,
} from '../../src/traceAnswer';

describe('arguments', () => {
  it('names the document and cursor for a palette invocation', () => {
    assert.deepEqual(
      argumentsFromEditor('file:///m.py', { line: 3, character: 4 }),
      ['file:///m.py', { line: 3, character: 4 }],
    );
  });

  it('adds the input shape in third place, keeping the target', () => {
    assert.deepEqual(withInputShape(['file:///m.py', 'Net'], [1, 8]), ['file:///m.py', 'Net', [1, 8]]);
    assert.deepEqual(withInputShape(['file:///m.py'], [1, 8]), ['file:///m.py', null, [1, 8]]);
    assert.deepEqual(
      withInputShape(['file:///m.py', 'Net', [1, 4]], [2, 8]), ['file:///m.py', 'Net', [2, 8]],
    );
  });

  it('does not change the caller\'s array', () => {
    const original = ['file:///m.py', 'Net'];
    withInputShape(original, [1]);
    assert.deepEqual(original, ['file:///m.py', 'Net']);
  });
});

describe('reading the answer', () => {
  it('knows when the server needs an input shape, and for which class', () => {
    const answer = { status: 'needs_input_shape', target: 'FeatureExtractor', path: '/m.py' };
    assert.equal(needsInputShape(answer), true);
    assert.equal(traceTarget(answer), 'FeatureExtractor');
    for (const other of [{ status: 'ok' }, null, undefined, 'needs_input_shape', { target: 'X' }]) {
      assert.equal(needsInputShape(other), false);
    }
    assert.equal(traceTarget({ status: 'ok', target: '' }), undefined);
  });

  it('summarizes a successful trace with its layer count, device and time', () => {
    const summary = summarizeTrace({
      status: 'ok', target: 'Net', device: 'cpu', elapsed_s: 1.234, calls: [{}, {}, {}],
    });
    assert.deepEqual(summary, { level: 'info', text: 'Net: traced 3 layer calls on cpu in 1.2 s.' });
  });

  it('reports the framework\'s error with its line', () => {
    const summary = summarizeTrace({
      status: 'error',
      target: 'FeatureExtractor',
      error: {
        type_name: 'ValueError',
        message: 'expected axis -1 of input shape to have value 6',
        site: { line: 21 },
      },
    });
    assert.equal(summary?.level, 'error');
    assert.equal(
      summary?.text,
      'FeatureExtractor: the model raised ValueError (line 21): expected axis -1 of input shape to have value 6',
    );
  });

  it('gives every status a level', () => {
    const levels = Object.fromEntries(
      ['timeout', 'crashed', 'cancelled', 'internal_error', 'something-new'].map(
        (status) => [status, summarizeTrace({ status })?.level],
      ),
    );
    assert.deepEqual(levels, {
      timeout: 'warning', crashed: 'error', cancelled: 'info', internal_error: 'error',
      'something-new': 'error',
    });
    assert.equal(summarizeTrace(undefined), undefined);
    assert.equal(summarizeTrace({}), undefined);
  });
});
