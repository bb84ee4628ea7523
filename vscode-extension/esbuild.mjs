// Bundles the extension into one file, dist/extension.js (the only code in the .vsix).
//
//   node vscode-extension/esbuild.mjs               development build with a source map
//   node vscode-extension/esbuild.mjs --production  minified, no source map (vscode:prepublish)
//   node vscode-extension/esbuild.mjs --tests       unit tests -> vscode-extension/out/unit/*.test.js
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const production = process.argv.includes('--production');
const tests = process.argv.includes('--tests');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'warning',
};

if (tests) {
  const unitDir = join(here, 'test', 'unit');
  const entryPoints = readdirSync(unitDir)
    .filter((name) => name.endsWith('.test.ts'))
    .map((name) => join(unitDir, name));
  // Unit tests cover the pure modules; bundling `vscode` into them would be a mistake, so it is
  // left external and any test that imports it fails loudly at require time.
  await esbuild.build({
    ...common,
    entryPoints,
    outdir: join(here, 'out', 'unit'),
    external: ['vscode'],
    sourcemap: 'inline',
  });
} else {
  await esbuild.build({
    ...common,
    entryPoints: [join(here, 'src', 'extension.ts')],
    outfile: join(root, 'dist', 'extension.js'),
    external: ['vscode'],
    minify: production,
    sourcemap: !production,
    // Keep names readable in stack traces reported by users.
    keepNames: true,
  });
}
