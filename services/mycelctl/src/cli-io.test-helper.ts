import type { CliIo } from './cli-context';

/** A CliIo for specs: captured stdout/stderr, given stdin and environment. */
export interface CapturedIo extends CliIo {
  out(): string;
  err(): string;
}

/** A fake CliIo; `home` is the home directory (a temp dir in specs that write config). */
export function captureIo(options: { home?: string; env?: Record<string, string>; stdin?: string; cwd?: string } = {}): CapturedIo {
  let out = '';
  let err = '';
  return {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
    readStdin: async () => options.stdin ?? '',
    env: options.env ?? {},
    homeDir: options.home ?? '/nonexistent-home',
    cwd: options.cwd ?? '/',
    out: () => out,
    err: () => err,
  };
}
