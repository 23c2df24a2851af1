#!/usr/bin/env node
// The `factory` CLI runs the compiled app (npm run build).
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const entry = join(__dirname, '..', 'dist', 'local', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write('factory: the app is not built yet; run `npm run build` first\n');
  process.exit(1);
}
const { main } = require(entry);
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`factory: ${error.message}\n`);
    process.exitCode = 1;
  },
);
