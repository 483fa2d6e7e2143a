#!/usr/bin/env node
import { runCli } from './cli';
import { processIo } from './node-io';

// process.exitCode rather than process.exit(): pending writes to a piped stdout are flushed first.
runCli(process.argv.slice(2), processIo()).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`Error: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
