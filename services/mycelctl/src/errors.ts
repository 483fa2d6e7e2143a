import type { Problem } from './problem';

/** Why a command failed, as far as the exit code is concerned; see exit-codes.ts for the numbers. */
export type CliErrorCode = 'USAGE' | 'REJECTED' | 'UNREACHABLE' | 'SERVER_FAILURE';

/** Base class of every error mycelctl raises on purpose; `code` picks the exit code. */
export abstract class CliError extends Error {
  abstract readonly code: CliErrorCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The command line, the config file or an input file is wrong; nothing was sent to change anything. */
export class UsageError extends CliError {
  readonly code = 'USAGE' as const;
}

/** What was sent, for error messages. */
export interface RequestSummary {
  readonly method: string;
  /** The API path with its query, e.g. `/meshes/demo?dryRun=true`. */
  readonly path: string;
}

/** The control plane answered with an error status; `problem` is its RFC 7807 body when it sent one. */
export abstract class ApiResponseError extends CliError {
  constructor(
    message: string,
    readonly request: RequestSummary,
    readonly status: number,
    readonly statusText: string,
    readonly problem: Problem | undefined,
    /** The body when it was not a problem document (at most 500 characters). */
    readonly body: string,
  ) {
    super(message);
  }
}

/** The control plane refused the request (4xx): invalid input, missing resource, no permission… */
export class ApiRejectedError extends ApiResponseError {
  readonly code = 'REJECTED' as const;
}

/** The control plane failed (5xx), e.g. its store is unavailable. */
export class ApiFailureError extends ApiResponseError {
  readonly code = 'SERVER_FAILURE' as const;
}

/** No answer at all: connection refused, unknown host, TLS failure or timeout. */
export class ConnectionError extends CliError {
  readonly code = 'UNREACHABLE' as const;
}

/**
 * The control plane does not offer something a command needs: it answered 404 or 405 where the
 * endpoint should be (`response`), or its answer lacks what the feature promises (`detail`). It is
 * older than this client, or the feature belongs to a later release.
 */
export class UnsupportedError extends CliError {
  readonly code = 'REJECTED' as const;

  constructor(
    /** What is missing, e.g. `dataplane tokens`. */
    readonly feature: string,
    readonly response: ApiResponseError | undefined,
    readonly detail?: string,
  ) {
    super(`the control plane does not support ${feature} yet`, { cause: response });
  }
}

/**
 * Adds what the command was doing (e.g. `applying dataplane demo/web-1 (from dp.yaml, document 2)`)
 * to an error, keeping the original as `cause` so its exit code and problem are preserved.
 */
export class ContextError extends Error {
  constructor(
    readonly context: string,
    readonly inner: unknown,
  ) {
    super(`${context}: ${inner instanceof Error ? inner.message : String(inner)}`, { cause: inner });
    this.name = 'ContextError';
  }
}
