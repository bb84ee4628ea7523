/** What the trace prompt checks, and the one install it offers, named in full before it runs. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { installPlan, kernelChecks } from '../../src/traceKernel';

describe('kernelChecks', () => {
  it('checks one interpreter for both halves when the server and kernel share it', () => {
    assert.deepEqual(kernelChecks('/p/python', '/p/python'), [
      { interpreter: '/p/python', modules: ['ipykernel', 'jupyter_client'] },
    ]);
  });

  it('checks the kernel for ipykernel and the server for jupyter_client when they differ', () => {
    assert.deepEqual(kernelChecks('/project/python', '/tools/python'), [
      { interpreter: '/project/python', modules: ['ipykernel'] },
      { interpreter: '/tools/python', modules: ['jupyter_client'] },
    ]);
  });
});

describe('installPlan', () => {
  it('asks for nothing when nothing is missing', () => {
    assert.equal(installPlan(new Map([['/p/python', []]]), '/p/python'), undefined);
  });

  it('offers ipykernel only, and says the command it will run', () => {
    const plan = installPlan(new Map([['/p/python', ['ipykernel', 'jupyter_client']]]), '/p/python');
    assert.deepEqual(plan?.commands, [{ command: '/p/python', args: ['-m', 'pip', 'install', 'ipykernel'] }]);
    assert.match(plan?.message ?? '', /needs ipykernel in \/p\/python\. Install it\? This runs: \/p\/python -m pip install ipykernel$/);
  });

  it('offers jupyter-client for a separate server interpreter', () => {
    const plan = installPlan(new Map([['/project/python', []], ['/tools/python', ['jupyter_client']]]), '/project/python');
    assert.deepEqual(plan?.commands, [{ command: '/tools/python', args: ['-m', 'pip', 'install', 'jupyter-client'] }]);
    assert.match(plan?.message ?? '', /This runs: \/tools\/python -m pip install jupyter-client$/);
  });
});
