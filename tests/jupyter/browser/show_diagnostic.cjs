// Opens a notebook in JupyterLab in headless Chromium, waits for the first diagnostic that
// the language server paints into a cell, hovers it, and reports what the page shows.
//
// Usage: node show_diagnostic.cjs '{"url": ..., "screenshot": ..., "chromium": ..., "timeoutMs": ...}'
// Prints one JSON line: the underlined text, its classes (severity), its cell, its line, the
// hover text, and how many
// browser connections each language server has (which server JupyterLab picked).
// Needs `playwright-core` on NODE_PATH; it drives the system Chromium and downloads nothing.
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

async function main() {
  const options = JSON.parse(process.argv[2]);
  // launch() gives every run a fresh temporary profile (user-data-dir).
  const browser = await chromium.launch({
    executablePath: options.chromium,
    args: CHROMIUM_ARGS,
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    const started = Date.now();
    await page.goto(options.url, { waitUntil: 'domcontentloaded' });
    // JupyterLab may keep hidden editors around; only a visible underline counts.
    const underline = page.locator('.jp-Notebook .cm-lintRange').first();
    await underline.waitFor({ state: 'visible', timeout: options.timeoutMs });
    const secondsToDiagnostic = (Date.now() - started) / 1000;

    const placement = await underline.evaluate((element) => {
      const cell = element.closest('.jp-Cell');
      const cells = Array.from(cell.parentElement.querySelectorAll(':scope > .jp-Cell'));
      return {
        text: element.textContent,
        classes: element.className.split(/\s+/),
        cellIndex: cells.indexOf(cell),
        lineText: element.closest('.cm-line').textContent,
      };
    });
    // CodeMirror opens the lint tooltip on a hover that settles; on a loaded machine the first
    // hover can be missed, so move away and hover again before giving up.
    const tooltip = page.locator('.cm-tooltip-lint, .cm-tooltip').first();
    for (let attempt = 1; ; attempt += 1) {
      await page.mouse.move(0, 0);
      await underline.hover();
      try {
        await tooltip.waitFor({ state: 'visible', timeout: 10000 });
        break;
      } catch (error) {
        if (attempt === 3) throw error;
      }
    }
    const hoverText = await tooltip.innerText();
    const status = await page.evaluate(async () => (await fetch('/lsp/status')).json());
    const connections = Object.fromEntries(
      Object.entries(status.sessions).map(([key, session]) => [key, session.handler_count]),
    );
    await page.screenshot({ path: options.screenshot });
    console.log(JSON.stringify({ ...placement, hoverText, connections, secondsToDiagnostic }));
  } finally {
    await browser.close();
  }
}

main().catch((error) => {
  console.error(error && error.stack ? error.stack : error);
  process.exit(1);
});
