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

  it('summarizes a successful trace in the server\'s words, with the time', () => {
    const summary = summarizeTrace({
      status: 'ok', target: 'Net', device: 'CPU:0', elapsed: 1.234, calls: 3,
      message: 'traced 3 layer calls on CPU:0',
    });
    assert.deepEqual(summary, { level: 'info', text: 'Net: traced 3 layer calls on CPU:0 in 1.2 s' });
  });

  it('reports the framework\'s error as the server worded it', () => {
    const message = 'error: feature_extractor.py:21:26: ValueError in layer batch_normalization: '
      + 'expected axis -1 of input shape to have value 6';
    const summary = summarizeTrace({
      status: 'error',
      target: 'FeatureExtractor',
      message,
      error: { type: 'ValueError', message: 'expected axis -1 of input shape to have value 6', line: 21 },
    });
    assert.deepEqual(summary, { level: 'error', text: `FeatureExtractor: ${message}` });
  });

  it('falls back to the error, then the status, when the server sent no message', () => {
    assert.equal(
      summarizeTrace({ status: 'crashed', error: { message: 'kernel died' } })?.text, 'kernel died',
    );
    assert.equal(summarizeTrace({ status: 'internal_error' })?.text, 'internal error');
  });

  it('gives every status a level', () => {
    const levels = Object.fromEntries(
      ['timeout', 'crashed', 'cancelled', 'usage_error', 'internal_error', 'something-new'].map(
        (status) => [status, summarizeTrace({ status })?.level],
      ),
    );
    assert.deepEqual(levels, {
      timeout: 'warning', crashed: 'error', cancelled: 'info', usage_error: 'warning',
      internal_error: 'error',
      'something-new': 'error',
    });
    assert.equal(summarizeTrace(undefined), undefined);
    assert.equal(summarizeTrace({}), undefined);
  });
});
