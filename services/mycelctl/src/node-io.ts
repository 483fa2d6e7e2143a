import { homedir } from 'node:os';
import type { CliIo } from './cli-context';

/** The process's streams, environment, home and working directory. */
export function processIo(): CliIo {
  // A closed pipe (`mycelctl get … | head`) is not an error worth a stack trace: stop quietly.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  return {
    stdout: (text) => {
      process.stdout.write(text);
    },
    stderr: (text) => {
      process.stderr.write(text);
    },
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
      return Buffer.concat(chunks).toString('utf8');
    },
    env: process.env,
    homeDir: homedir(),
    cwd: process.cwd(),
  };
}
