#!/usr/bin/env node
// The `vigil` command. Runs the compiled CLI (npm install builds it through the "prepare" script).
import { main } from '../dist/agent/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`vigil: internal error: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 1;
  },
);
