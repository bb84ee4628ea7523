/** Interpreter selection: setting, then the Python extension, then python3; path expansion. */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';

import {
  chooseInterpreter,
  defaultInterpreter,
  expandSettingPath,
  displayCommandLine,
  launcherEnvironment,
  launcherPath,
  probeCommandLine,
  serverCommandLine,
  type PathContext,
} from '../../src/interpreter';

const workspace = path.resolve('/projects/cnn');
const context: PathContext = {
  workspaceFolder: workspace,
  homeDir: path.resolve('/home/ada'),
  env: { CONDA_PREFIX: '/opt/conda/envs/tf' },
};

describe('chooseInterpreter', () => {
  it('prefers the layerlint.interpreter setting over the Python extension', () => {
    const choice = chooseInterpreter({
      setting: '/usr/bin/python3.11', fromPythonExtension: '/venv/bin/python', context,
    });
    assert.deepEqual(choice, { path: '/usr/bin/python3.11', source: 'setting' });
  });

  it('uses the Python extension when the setting is empty or blank', () => {
    for (const setting of [undefined, '', '   ']) {
      const choice = chooseInterpreter({ setting, fromPythonExtension: '/venv/bin/python', context });
      assert.deepEqual(choice, { path: '/venv/bin/python', source: 'python-extension' });
    }
  });

  it('falls back to python3, or python on Windows, when nothing else is known', () => {
    assert.deepEqual(
      chooseInterpreter({ context, platform: 'linux' }), { path: 'python3', source: 'default' },
    );
    assert.deepEqual(
      chooseInterpreter({ fromPythonExtension: ' ', context, platform: 'win32' }),
      { path: 'python', source: 'default' },
    );
    assert.equal(defaultInterpreter('darwin'), 'python3');
  });

  it('expands variables in the setting before using it', () => {
    const choice = chooseInterpreter({ setting: '${workspaceFolder}/.venv/bin/python', context });
    assert.equal(choice.path, path.join(workspace, '.venv/bin/python'));
  });
});

describe('expandSettingPath', () => {
  it('expands ${userHome}, ${env:NAME} and a leading ~', () => {
    assert.equal(expandSettingPath('${userHome}/py/bin/python', context), `${context.homeDir}/py/bin/python`);
    assert.equal(expandSettingPath('${env:CONDA_PREFIX}/bin/python', context), '/opt/conda/envs/tf/bin/python');
    assert.equal(expandSettingPath('~/.pyenv/shims/python', context), `${context.homeDir}/.pyenv/shims/python`);
  });

  it('resolves a relative path against the workspace folder', () => {
    assert.equal(expandSettingPath('.venv/bin/python', context), path.join(workspace, '.venv', 'bin', 'python'));
  });

  it('leaves a bare command name for a PATH lookup', () => {
    assert.equal(expandSettingPath('python3.11', context), 'python3.11');
  });

  it('keeps a relative path when there is no workspace folder', () => {
    const noFolder = { ...context, workspaceFolder: undefined };
    assert.equal(expandSettingPath('.venv/bin/python', noFolder), '.venv/bin/python');
  });

  it('replaces an unknown environment variable with nothing', () => {
    assert.equal(expandSettingPath('${env:NOT_SET_ANYWHERE}/python', context), '/python');
  });
});

describe('command lines', () => {
  const launcher = launcherPath('/ext/layerlint-0.1.0');

  it('runs the launcher inside the installed extension', () => {
    assert.equal(launcher, path.join('/ext/layerlint-0.1.0', 'bundled', 'tool', 'layerlint_vscode.py'));
  });

  it('starts the bundled server with the chosen interpreter, never `-m layerlint`', () => {
    assert.deepEqual(serverCommandLine('/venv/bin/python', launcher), {
      command: '/venv/bin/python', args: [launcher, 'serve'],
    });
    assert.deepEqual(probeCommandLine('/venv/bin/python', launcher), {
      command: '/venv/bin/python', args: [launcher, 'probe'],
    });
  });

  it('passes the import strategy to the launcher in its environment', () => {
    const env = launcherEnvironment({ PATH: '/usr/bin', LAYERLINT_IMPORT_STRATEGY: 'stale' }, 'fromEnvironment');
    assert.deepEqual(env, {
      PATH: '/usr/bin', PYTHONIOENCODING: 'utf-8', LAYERLINT_IMPORT_STRATEGY: 'fromEnvironment',
    });
  });

  it('shows a command line as it would be typed, quoting what needs it', () => {
    assert.equal(displayCommandLine({ command: '/venv/bin/python', args: ['-m', 'pip', 'install', 'ipykernel'] }),
      '/venv/bin/python -m pip install ipykernel');
    assert.equal(displayCommandLine({ command: "/My Envs/it's/python", args: ['-V'] }),
      "'/My Envs/it'\\''s/python' -V");
  });
});
