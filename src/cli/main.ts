#!/usr/bin/env node
/**
 * Entry point of the `quality-gates` command (package.json `bin`). Everything happens
 * in `runCli`, which never throws; this file only wires it to the process. The exit
 * code is set, not forced, so buffered output is written before the process ends.
 */
import { runCli } from './run.js';

// A closed pipe (`quality-gates owners | head`) is not an error worth a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  process.stderr.write(`quality-gates: cannot write output: ${error.message}\n`);
  process.exit(2);
});

// Never a stack trace, whatever escapes.
process.on('uncaughtException', (error) => {
  process.stderr.write(`quality-gates: unexpected error: ${error.message}\n`);
  process.exit(2);
});

runCli(process.argv.slice(2), { stdin: process.stdin }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `quality-gates: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exitCode = 2;
  },
);
