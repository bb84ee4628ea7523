// End-to-end scenarios in a real VS Code (code-server), driven by playwright-core in Debian's
// chromium. Started by run.sh, which sets up code-server and passes everything in E2E_* variables.
//
// E2E_SCENARIO=trusted:
//   1. open examples/feature_extractor.py and wait for LL101 in the Problems view;
//   2. (E2E_TRACE=1, when the server offers tracing) click the "Trace shapes" code lens, answer
//      the input-shape box if asked, and wait for the crash it predicts: LL900 on line 21;
//   3. apply "Split bn into bn_1/bn_2" from the quick-fix menu, check the text, save, and see
//      LL101 (and the stale LL900) go away;
//   4. (trace) trace the fixed model: shapes as inlay hints, the full record on hover;
//   5. (trace) trace fixtures/tiny_head.py, which names no input shape: the editor asks for one;
//      then cancel the trace of fixtures/slow_block.py from its progress notification;
//   6. open fixtures/two_cells.ipynb (the bug spread over two notebook cells): LL101 on the
//      second cell, and the quick fix edits both cells;
//   7. type the same bug into a new untitled editor: LL101 shows there too.
// E2E_SCENARIO=untrusted (Restricted Mode): LL101 still shows, but no "Trace shapes" lens and
//   no palette entry: tracing runs the user's code.
// E2E_SCENARIO=bundled: the workspace names a missing interpreter: the extension says so (no
//   install button: it installs nothing). Pointed at E2E_BARE_PYTHON (neither layerlint nor
//   pygls), the server from the .vsix's bundle reports LL101; "Trace shapes" asks for ipykernel
//   and shows the exact pip command without running it; the split fix works (libcst from the
//   linux-x64 bundle). run.sh compares that Python's `pip freeze --all` before and after.
// Every step leaves a screenshot in E2E_ARTIFACTS; vscode-*.png are the ones the README shows.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run this through run.sh)`);
  return value;
};
const scenario = env('E2E_SCENARIO');
const url = env('E2E_URL');
const workspace = env('E2E_WORKSPACE');
const artifacts = env('E2E_ARTIFACTS');
const wantTrace = process.env.E2E_TRACE !== '0';
const python = env('E2E_PYTHON');
const examplePath = path.join(workspace, 'examples', 'feature_extractor.py');
const { chromium } = createRequire(path.join(env('E2E_TOOLS'), 'package.json'))('playwright-core');

const started = Date.now();
const step = (text) => console.log(`[e2e ${((Date.now() - started) / 1000).toFixed(1)}s] ${text}`);

const context = await chromium.launchPersistentContext(env('E2E_PROFILE'), {
  executablePath: process.env.E2E_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1440, height: 860 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run'],
});
const page = context.pages()[0] ?? await context.newPage();
page.setDefaultTimeout(30_000);
const shot = (name) => page.screenshot({ path: path.join(artifacts, `${name}.png`) });

try {
  const editor = await openExample();
  if (scenario === 'untrusted') await untrustedScenario(editor);
  else if (scenario === 'bundled') await bundledScenario(editor);
  else await trustedScenario(editor);
  step(`${scenario}: passed`);
} catch (error) {
  await shot(`failure-${scenario}`).catch(() => {});
  console.error(error);
  process.exitCode = 1;
} finally {
  await context.close();
}

async function openExample() {
  await waitForHealth(new URL(url).origin);
  step(`${scenario}: opening code-server`);
  await page.goto(url);
  await page.locator('.monaco-workbench').waitFor();
  await page.locator('.explorer-folders-view, .explorer-viewlet').first().waitFor();
  step('opening examples/feature_extractor.py');
  await runQuickOpen('feature_extractor.py', /feature_extractor\.py/);
  const editor = page.locator('.editor-instance .monaco-editor').first();
  await editor.locator('.view-lines').getByText('class FeatureExtractor').waitFor();
  await runCommand('View: Close Primary Side Bar');
  return editor;
}

async function untrustedScenario(editor) {
  step('Restricted Mode: waiting for LL101');
  await runCommand('View: Focus Problems (Errors, Warnings, Infos)');
  await page.locator('.markers-panel .monaco-list-row', { hasText: 'LL101' }).first().waitFor({ timeout: 90_000 });
  await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor();
  // Code lenses arrive a moment after diagnostics; give them the time they take when trusted.
  assert.equal(await hasTraceLens(editor), false, 'no "Trace shapes" lens in Restricted Mode');
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.fill('>layerlint');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Restart Server' }).waitFor();
  const rows = await page.locator('.quick-input-list .monaco-list-row').allInnerTexts();
  assert.ok(!rows.some((row) => /Trace Shapes/i.test(row)), `palette offers tracing: ${rows}`);
  await page.keyboard.press('Escape');
  await shot('step-untrusted');
  step('Restricted Mode: diagnostics shown, tracing offered nowhere');
}

async function bundledScenario(editor) {
  step('waiting for "could not run the interpreter"');
  const toast = page.locator('.notification-toast', { hasText: 'layerlint could not run the interpreter' });
  await toast.waitFor({ timeout: 60_000 });
  for (const button of ['Choose Interpreter', 'Show Output']) {
    await toast.getByRole('button', { name: button }).waitFor();
  }
  assert.equal(await toast.getByRole('button', { name: /Install/ }).count(), 0, 'no install button');
  await shot('step-no-interpreter');
  await runCommand('Notifications: Clear All Notifications');

  const bare = env('E2E_BARE_PYTHON');
  step(`pointing layerlint.interpreter at ${bare} (neither layerlint nor pygls)`);
  writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'layerlint.interpreter': bare }));
  await runCommand('View: Focus Problems (Errors, Warnings, Infos)');
  await page.locator('.markers-panel .monaco-list-row', { hasText: 'LL101' }).first().waitFor({ timeout: 90_000 });
  await runCommand('layerlint: Show Server Output');
  await page.locator('.output-view .view-lines', { hasText: 'bundled with the extension' }).first().waitFor();
  await page.locator('.output-view .view-lines', { hasText: 'quick fixes: libcst from' }).first().waitFor();
  step('the bundled server runs in the bare interpreter: LL101 is shown');

  step('tracing: the prompt names the one package and the command, and runs nothing yet');
  await runCommand('View: Focus Problems (Errors, Warnings, Infos)');
  if (!(await hasTraceLens(editor))) {
    // Seen once in CI (not reproduced locally): the restarted server showed LL101 but VS Code
    // showed no lens. This scenario is about the bundle, not lens timing (the trusted one
    // checks that), so the user's remedy is taken and the miss stays visible in the log.
    await shot('step-bundled-no-lens');
    step('no "Trace shapes" lens after 20 s: closing and reopening the file');
    await runCommand('View: Close All Editors');
    await runQuickOpen('feature_extractor.py', /feature_extractor\.py/);
    assert.ok(await hasTraceLens(editor), 'a "Trace shapes" lens above FeatureExtractor');
  }
  await editor.locator('.codelens-decoration a', { hasText: 'Trace shapes' }).first().click();
  const prompt = page.locator('.notification-toast', { hasText: 'needs ipykernel in' });
  await prompt.waitFor({ timeout: 30_000 });
  const promptText = (await prompt.innerText()).replace(/\s+/g, ' ');
  assert.ok(promptText.includes(`This runs: ${bare} -m pip install ipykernel`), promptText);
  await prompt.getByRole('button', { name: 'Install' }).waitFor();
  await page.waitForTimeout(500); // let the toast finish sliding in
  await shot('vscode-trace-ipykernel');
  step(`prompt: ${promptText}`);
  await runCommand('Notifications: Clear All Notifications');

  step('applying "Split bn into bn_1/bn_2" with the bundled libcst');
  await applySplit(editor);
  step('fixed from the bundle alone');
}

async function trustedScenario(editor) {
  step('waiting for LL101 in the Problems view');
  await runCommand('View: Focus Problems (Errors, Warnings, Infos)');
  const problem = page.locator('.markers-panel .monaco-list-row', { hasText: 'LL101' }).first();
  await problem.waitFor({ timeout: 90_000 }); // first start imports the server and analyses
  const problemText = await problem.innerText();
  step(`problem: ${problemText.replace(/\s+/g, ' ')}`);
  await editor.locator('.squiggly-error, .squiggly-warning').first().waitFor();
  await goToLine(21, 26);
  await page.waitForTimeout(500);
  await shot('vscode-diagnostic');

  const canTrace = wantTrace && await hasTraceLens(editor);
  if (canTrace) {
    step('tracing the buggy model from the code lens');
    await runTraceLens(editor, page.locator('.markers-panel .monaco-list-row', { hasText: 'LL900' }).first());
    const crash = await page.locator('.markers-panel .monaco-list-row', { hasText: 'LL900' }).first().innerText();
    step(`trace error: ${crash.replace(/\s+/g, ' ')}`);
    assert.match(crash, /expected axis -1 of input shape to have value 6/);
    assert.match(crash, /Ln 21/);
    await shot('vscode-trace-error');
    await runCommand('Notifications: Clear All Notifications');
  } else if (wantTrace) {
    step('SKIPPED the trace: the server offers no "Trace shapes" code lens');
  }

  step('applying "Split bn into bn_1/bn_2" from the quick-fix menu');
  await applySplit(editor, 'vscode-quickfix');
  step('fixed: LL101 is gone and the file on disk has bn_1/bn_2');
  await shot('step-fixed');

  if (canTrace) {
    step('tracing the fixed model');
    // Line 21 runs conv_1 -> bn_1 -> maxpool: its hint follows the tensor through the three.
    const hint = editor.locator('.view-lines').getByText(/\(1,\s32,\s32,\s3\)\s->\s\(1,\s29,\s29,\s6\)/).first();
    await runTraceLens(editor, hint);
    await page.waitForTimeout(300);
    await shot('vscode-trace');
    const line21 = editor.locator('.view-line', { hasText: /self\.bn_1\(/ });
    step(`line 21 with its inlay hint: ${(await line21.innerText()).replace(/\s+/g, ' ')}`);
    await goToLine(22, 32); // on `bn_2`
    await page.keyboard.press('Control+K');
    await page.keyboard.press('Control+I');
    const hover = page.locator('.monaco-hover', { hasText: 'BatchNormalization' }).first();
    await hover.waitFor();
    assert.match(await hover.innerText(), /\(1, 11, 11, 16\)/);
    await shot('vscode-hover');
    step('hover: the full record of the call');
    await page.keyboard.press('Escape');

    step('tracing tiny_head.py, which names no input shape');
    await runQuickOpen('tiny_head.py', /tiny_head\.py/);
    await editor.locator('.view-lines').getByText('class TinyHead').waitFor();
    assert.ok(await hasTraceLens(editor), 'a "Trace shapes" lens above TinyHead');
    await editor.locator('.codelens-decoration a', { hasText: 'Trace shapes' }).first().click();
    const prompt = page.locator('.quick-input-widget', { hasText: 'input shape' });
    await prompt.waitFor({ timeout: 60_000 });
    await prompt.locator('input').fill('2,8');
    await shot('vscode-input-shape');
    await prompt.locator('input').press('Enter');
    await editor.locator('.view-lines').getByText(/\(2,\s8\)\s->\s\(2,\s4\)/).first().waitFor({ timeout: 60_000 });
    step('asked for the input shape, and traced with it');

    step('cancelling the trace of slow_block.py');
    await runQuickOpen('slow_block.py', /slow_block\.py/);
    await editor.locator('.view-lines').getByText('class SlowBlock').waitFor();
    assert.ok(await hasTraceLens(editor), 'a "Trace shapes" lens above SlowBlock');
    await editor.locator('.codelens-decoration a', { hasText: 'Trace shapes' }).first().click();
    const progress = page.locator('.notification-toast', { hasText: 'Tracing SlowBlock' });
    await progress.waitFor({ timeout: 30_000 });
    await page.waitForTimeout(2000); // let the warm kernel get into call()'s sleep
    const cancelledAt = Date.now();
    await progress.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('.statusbar', { hasText: 'SlowBlock: trace cancelled' }).waitFor({ timeout: 30_000 });
    step(`cancelled: the server answered ${((Date.now() - cancelledAt) / 1000).toFixed(1)} s after Cancel`);
  }
  await notebookScenario();
  await untitledScenario();
}

/** Quick fix on line 21, applied and saved; LL101 (and a stale LL900) must go away. */
async function applySplit(editor, screenshot) {
  const fix = await openQuickFix('Split bn into bn_1/bn_2', () => goToLine(21, 26));
  if (screenshot) await shot(screenshot);
  await fix.click();
  await editor.locator('.view-lines').getByText('self.bn_2(self.conv_2(x))').waitFor();
  await page.keyboard.press('Control+S');
  await page.locator('.tab.active.dirty').waitFor({ state: 'detached' });
  checkFixedSource(readFileSync(examplePath, 'utf-8'));
  await page.locator('.markers-panel .monaco-list-row', { hasText: /LL101|LL900/ }).first()
    .waitFor({ state: 'detached' });
}

async function untitledScenario() {
  step('typing the bug into an untitled editor');
  await runCommand('File: New Untitled Text File');
  const untitled = page.locator('.editor-instance .monaco-editor:visible').first();
  await untitled.locator('.view-lines').click();
  // files.defaultLanguage is python (run.sh), so the new buffer is a Python document at once.
  await page.keyboard.type([
    'import keras',
    'from keras import layers',
    'bn = layers.BatchNormalization()',
    'inputs = keras.Input(shape=(32, 32, 3))',
    'x = bn(layers.Conv2D(6, 4)(inputs))',
    'y = bn(layers.Conv2D(16, 4)(x))',
  ].join('\n'));
  const problem = page.locator('.markers-panel .monaco-list-row', { hasText: 'LL101' }).first();
  await problem.waitFor({ timeout: 30_000 });
  assert.match(await problem.innerText(), /Ln 6, Col 5/);
  step('untitled: LL101 on the line just typed');
}

async function hasTraceLens(editor) {
  const lens = editor.locator('.codelens-decoration a', { hasText: 'Trace shapes' }).first();
  // Code lenses are requested once the text settles after the server starts.
  return lens.waitFor({ timeout: 20_000 }).then(() => true, () => false);
}

/** Clicks "Trace shapes", answers the input-shape box if the server asks, waits for `done`. */
async function runTraceLens(editor, done) {
  await editor.locator('.codelens-decoration a', { hasText: 'Trace shapes' }).first().click();
  const prompt = page.locator('.quick-input-widget', { hasText: 'input shape' });
  const inputBox = prompt.locator('input');
  // The first trace starts a kernel and imports TensorFlow: allow for a slow machine.
  const asked = await Promise.any([
    prompt.waitFor({ timeout: 120_000 }).then(() => true),
    done.waitFor({ timeout: 120_000 }).then(() => false),
  ]);
  if (asked) {
    step('the server asked for an input shape: 1,32,32,3');
    await inputBox.fill('1,32,32,3');
    await inputBox.press('Enter');
    await done.waitFor({ timeout: 120_000 });
  }
}

async function notebookScenario() {
  step('opening two_cells.ipynb');
  await runQuickOpen('two_cells.ipynb', /two_cells\.ipynb/);
  const notebook = page.locator('.notebook-editor:visible');
  await notebook.locator('.view-lines').getByText('bn = layers.BatchNormalization()').waitFor();
  const problem = page.locator('.markers-panel .monaco-list-row', { hasText: 'LL101' }).first();
  await problem.waitFor({ timeout: 30_000 });
  step(`notebook problem: ${(await problem.innerText()).replace(/\s+/g, ' ')}`);
  assert.match(await problem.innerText(), /Ln 3, Col 5/); // cell-relative position
  // A double click reveals the cell and puts the cursor on the call.
  const fix = await openQuickFix('Split bn into bn_1/bn_2', () => problem.dblclick());
  await shot('vscode-notebook');
  await fix.click();
  // The construction lives in one cell and the calls in the next: both must change.
  await notebook.locator('.view-lines').getByText('bn_1 = layers.BatchNormalization()').waitFor();
  await notebook.locator('.view-lines').getByText('x = bn_2(layers.Conv2D(16, 4)(x))').waitFor();
  await page.locator('.markers-panel .monaco-list-row', { hasText: 'LL101' }).waitFor({ state: 'detached' });
  step('notebook: the fix edited both cells and LL101 is gone');
}

function checkFixedSource(text) {
  const constructions = text.match(/self\.bn(_\d)? = BatchNormalization\(\)/g);
  assert.deepEqual(constructions, ['self.bn_1 = BatchNormalization()', 'self.bn_2 = BatchNormalization()']);
  const calls = [...text.matchAll(/self\.(bn\w*)\(self\.(conv_\d)/g)].map((m) => `${m[1]}<-${m[2]}`);
  assert.deepEqual(calls, ['bn_1<-conv_1', 'bn_2<-conv_2']);
  assert.doesNotMatch(text, /self\.bn\(/);
  // The fix must leave code that parses.
  execFileSync(python, ['-c', 'import ast, sys; ast.parse(open(sys.argv[1]).read())', examplePath]);
}

/**
 * Put the cursor on the finding (`reveal`), Ctrl+., and the fix's row in the quick-fix menu. On
 * a busy machine the keystroke can arrive before the editor has focus: try a few times.
 */
async function openQuickFix(title, reveal) {
  const fix = page.locator('.action-widget .monaco-list-row', { hasText: title });
  for (let attempt = 1; ; attempt++) {
    await reveal();
    await page.waitForTimeout(300);
    await page.keyboard.press('Control+.');
    try {
      await fix.waitFor({ timeout: 10_000 });
      return fix;
    } catch (error) {
      if (attempt === 3) throw error;
      step(`no quick-fix menu yet (try ${attempt}); again`);
      await page.keyboard.press('Escape');
    }
  }
}

async function runQuickOpen(text, pick) {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(text);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: pick }).first().waitFor();
  await input.press('Enter');
}

async function runCommand(text) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`>${text}`);
  // Click the command itself: fuzzy matching may rank another one first.
  await page.locator(`.quick-input-list .monaco-list-row[aria-label^="${text}"]`).first().click();
}

async function goToLine(line, column) {
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`:${line}:${column}`);
  await input.press('Enter');
}

async function waitForHealth(origin) {
  for (let attempt = 0; attempt < 60; attempt++) {
    try {
      const response = await fetch(`${origin}/healthz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`code-server did not answer ${origin}/healthz within 30 s`);
}
