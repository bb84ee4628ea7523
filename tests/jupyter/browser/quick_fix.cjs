// The notebook user's flow in JupyterLab in headless Chromium, with layerlint's labextension:
// wait for the LL101 underline, right-click it and pick "layerlint: Quick Fix…" (or put the
// cursor on it and press Ctrl+., options.via = "keyboard"), pick the split,
// check both cells changed, undo and redo the call cell alone, wait for the diagnostic to go,
// run all cells in the notebook's kernel; then "Trace shapes" (when options.trace is set).
//
// Usage: node quick_fix.cjs '{"url", "chromium", "timeoutMs", "screenshots": {name: path}, "trace", "via"}'
// Prints one JSON line with what the page showed at each step. Needs `playwright-core` on
// NODE_PATH; it drives the system Chromium and downloads nothing.
'use strict';

const { chromium } = require('playwright-core');

const CHROMIUM_ARGS = [
  '--no-sandbox', // Chromium refuses to start as root (containers, CI) with its sandbox
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

function step(message) {
  console.error(`[quick_fix] ${new Date().toISOString()} ${message}`);
}

/** The text of every cell's editor, in notebook order (CodeMirror renders one .cm-line per line). */
async function cellTexts(page) {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('.jp-Notebook > .jp-WindowedPanel-viewport > .jp-Cell, .jp-Notebook .jp-Cell')).filter(
      (cell, index, all) => all.indexOf(cell) === index,
    ).map(cell => Array.from(cell.querySelectorAll('.jp-InputArea .cm-content .cm-line')).map(line => line.textContent).join('\n')),
  );
}

async function waitForTexts(page, predicate, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  let texts = [];
  while (Date.now() < deadline) {
    texts = await cellTexts(page);
    if (predicate(texts)) return texts;
    await page.waitForTimeout(250);
  }
  throw new Error(`timed out waiting for ${what}; cells: ${JSON.stringify(texts)}`);
}

/** Underlines whose text is the reused layer's name (other servers' lint ranges are ignored). */
async function layerUnderlines(page) {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll('.jp-Notebook .cm-lintRange')).filter(e => /^bn(_\d)?$/.test(e.textContent)).length,
  );
}

async function hover(page, locator, tooltip) {
  for (let attempt = 1; ; attempt += 1) {
    await page.mouse.move(0, 0);
    await locator.hover();
    try {
      await tooltip.waitFor({ state: 'visible', timeout: 10000 });
      return tooltip.innerText();
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
}

async function main() {
  const options = JSON.parse(process.argv[2]);
  const shots = options.screenshots || {};
  const browser = await chromium.launch({ executablePath: options.chromium, args: CHROMIUM_ARGS });
  const report = {};
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', error => step(`page error: ${error.message}`));
    page.on('console', message => {
      if (message.type() === 'error' || message.type() === 'warning' || message.text().startsWith('layerlint')) step(`console ${message.type()}: ${message.text()}`);
    });
    report.page = page;
    await page.goto(options.url, { waitUntil: 'domcontentloaded' });
    step('page loaded');
    const underline = page.locator('.jp-Notebook .cm-lintRange', { hasText: /^bn$/ }).first();
    await underline.waitFor({ state: 'visible', timeout: options.timeoutMs });
    step('underline visible');
    report.before = await cellTexts(page);
    report.hoverText = await hover(page, underline, page.locator('.cm-tooltip-lint, .cm-tooltip').first());
    await page.mouse.move(0, 0);

    if (options.via === 'keyboard') {
      // The cursor on the underlined code, then the shortcut.
      await underline.click();
      await page.keyboard.press('Control+.');
    } else {
      // The context menu on the underlined code.
      await underline.click({ button: 'right' });
      const entry = page.locator('.lm-Menu .lm-Menu-item', { hasText: 'layerlint: Quick Fix' }).first();
      await entry.waitFor({ state: 'visible', timeout: 20000 });
      await entry.click();
    }
    const menu = page.locator('.layerlint-QuickFixMenu');
    await menu.waitFor({ state: 'visible', timeout: 60000 });
    report.offered = (await menu.locator('.lm-Menu-itemLabel').allInnerTexts()).map(text => text.trim());
    step(`offered ${JSON.stringify(report.offered)}`);
    if (shots.menu) await page.screenshot({ path: shots.menu });
    await menu.locator('.lm-Menu-item', { hasText: 'Split bn' }).first().click();

    report.after = await waitForTexts(page, texts => texts.some(t => t.includes('bn_2(')), 30000, 'the split');
    step('split applied');
    // Gone for good: the server re-lints the changed text (pylsp after a debounce), so the
    // count must stay at zero for a few seconds, not just drop once while JupyterLab updates.
    const deadline = Date.now() + options.timeoutMs;
    let quietSince = null;
    for (;;) {
      report.underlinesAfterFix = await layerUnderlines(page);
      if (report.underlinesAfterFix === 0) {
        quietSince = quietSince ?? Date.now();
        if (Date.now() - quietSince >= 5000) break;
      } else {
        quietSince = null;
      }
      if (Date.now() > deadline) {
        const left = await page.evaluate(() => Array.from(document.querySelectorAll('.jp-Notebook .cm-lintRange')).map(e => `${e.className}: ${e.closest('.cm-line').textContent}`));
        throw new Error(`the LL101 underline did not go away: ${JSON.stringify(left)}; cells: ${JSON.stringify(report.after)}`);
      }
      await page.waitForTimeout(250);
    }
    step('diagnostic gone');
    if (shots.applied) await page.screenshot({ path: shots.applied });

    // One undo step per cell: undo in the call cell reverts that cell only; redo restores it.
    const callCell = report.after.findIndex(text => text.includes('bn_2('));
    const callEditor = page.locator('.jp-Notebook .jp-Cell').nth(callCell).locator('.cm-content');
    await callEditor.click();
    await page.keyboard.press('Control+z');
    report.afterUndo = await waitForTexts(page, texts => !texts[callCell].includes('bn_2('), 10000, 'the undo');
    await page.keyboard.press('Control+Shift+z');
    report.afterRedo = await waitForTexts(page, texts => texts[callCell].includes('bn_2('), 10000, 'the redo');
    await page.keyboard.press('Escape');
    step('undo/redo checked');

    // Run all cells in the notebook's kernel.
    await page.locator('.lm-MenuBar-itemLabel', { hasText: /^Run$/ }).click();
    await page.locator('.lm-Menu-item', { hasText: 'Run All Cells' }).first().click();
    await page.waitForFunction(
      () => {
        const prompts = Array.from(document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')).map(p => p.textContent.trim());
        return prompts.length > 0 && prompts.every(text => /^\[\d+\]:$/.test(text));
      },
      null, { timeout: options.timeoutMs },
    );
    report.prompts = await page.evaluate(() => Array.from(document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')).map(p => p.textContent.trim()));
    report.errors = await page.evaluate(() => Array.from(document.querySelectorAll('[data-mime-type="application/vnd.jupyter.error"], .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')).map(e => e.textContent).filter(t => /Error/.test(t)));
    report.outputs = await page.evaluate(() => Array.from(document.querySelectorAll('.jp-CodeCell .jp-OutputArea-output')).map(e => e.textContent));
    step('ran all cells');

    if (options.trace) {
      // The cell that builds the model is the active one; the toolbar button traces it.
      await page.locator('.jp-Notebook .jp-Cell').nth(callCell).locator('.jp-InputPrompt').click();
      await page.locator('.jp-Toolbar-item', { hasText: 'Trace shapes' }).first().click();
      const table = page.locator('.layerlint-TraceTable');
      await table.first().waitFor({ state: 'visible', timeout: options.timeoutMs });
      report.traceCells = await page.evaluate(() => {
        const cells = Array.from(document.querySelectorAll('.jp-Notebook .jp-Cell'));
        return Array.from(document.querySelectorAll('.layerlint-Trace')).map(box => cells.indexOf(box.closest('.jp-Cell')));
      });
      report.traceRows = await table.locator('tr').evaluateAll(rows => rows.map(row => Array.from(row.cells).map(cell => cell.textContent)));
      report.promptsAfterTrace = await page.evaluate(() => Array.from(document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')).map(p => p.textContent.trim()));
      step('trace shown');
      if (shots.trace) await page.screenshot({ path: shots.trace, fullPage: true });
    }
    delete report.page;
    console.log(JSON.stringify(report));
  } catch (error) {
    const page = report.page;
    delete report.page;
    if (page) {
      report.toasts = await page.locator('.Toastify__toast').allInnerTexts().catch(() => []);
    }
    console.error(`[quick_fix] failed with report so far: ${JSON.stringify(report)}`);
    throw error;
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : error);
  process.exit(1);
});
