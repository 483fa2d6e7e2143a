import { CommanderError } from 'commander';
import { ApiResponseError, CliError, ContextError, UnsupportedError } from './errors';
import type { CliErrorCode } from './errors';
import { problemInOneLine, renderProblem } from './problem';

/** The command did what was asked. */
export const EXIT_OK = 0;
/** A bug in mycelctl: an error nobody anticipated (the message says so). */
export const EXIT_INTERNAL = 1;
/** Bad flags or arguments, unknown type, unreadable or invalid input or config file. */
export const EXIT_USAGE = 2;
/** The control plane rejected the request (4xx): invalid resource, not found, forbidden, unsupported… */
export const EXIT_REJECTED = 3;
/** The control plane could not be reached (refused, DNS, TLS, timeout) or failed (5xx). */
export const EXIT_UNAVAILABLE = 4;

const BY_CODE: Record<CliErrorCode, number> = {
  USAGE: EXIT_USAGE,
  REJECTED: EXIT_REJECTED,
  UNREACHABLE: EXIT_UNAVAILABLE,
  SERVER_FAILURE: EXIT_UNAVAILABLE,
};

/** The exit code for an error thrown by a command; the single place where errors become numbers. */
export function exitCodeOf(err: unknown): number {
  const inner = unwrap(err).error;
  if (inner instanceof CliError) return BY_CODE[inner.code];
  if (inner instanceof CommanderError) return inner.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  return EXIT_INTERNAL;
}

/**
 * The error as people read it on stderr, ending with a newline: `Error: <what>` and, for rejected
 * resources, one indented line per invalid field. `verbose` adds the stack of unexpected errors.
 */
export function formatError(err: unknown, verbose = false): string {
  const { contexts, error } = unwrap(err);
  const prefix = contexts.map((c) => `${c}: `).join('');
  if (error instanceof UnsupportedError) {
    if (error.response === undefined) return lines(`Error: ${prefix}${error.message}${error.detail ? `: ${error.detail}` : ''}`, []);
    const r = error.response;
    return lines(`Error: ${prefix}${error.message} (${problemInOneLine(r.status, r.statusText, r.problem, r.body)})`, []);
  }
  if (error instanceof ApiResponseError) {
    const r = renderProblem(error.status, error.statusText, error.problem, error.body);
    const hint = error.status === 401 ? ['hint: the control plane needs a valid token; see `mycelctl config control-planes add --help`'] : [];
    return lines(`Error: ${prefix}${r.summary}`, r.fields, hint);
  }
  if (error instanceof CliError) return lines(`Error: ${prefix}${error.message}`, []);
  const message = error instanceof Error ? error.message : String(error);
  const stack = verbose && error instanceof Error && error.stack ? [error.stack] : [];
  return lines(`Error: ${prefix}internal error: ${message} (this is a bug in mycelctl; --verbose shows where)`, [], stack);
}

function lines(head: string, fields: readonly string[], trailer: readonly string[] = []): string {
  return [head, ...fields.map((f) => `  ${f}`), ...trailer].join('\n') + '\n';
}

function unwrap(err: unknown): { contexts: string[]; error: unknown } {
  const contexts: string[] = [];
  let error = err;
  while (error instanceof ContextError) {
    contexts.push(error.context);
    error = error.inner;
  }
  return { contexts, error };
}
