import type { Violation } from './validation';

/** Stable machine-readable error codes; each edge (HTTP, gRPC, CLI) maps them once. */
export type ErrorCode =
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'CONFLICT'
  | 'INVALID'
  | 'MALFORMED'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'METHOD_NOT_ALLOWED'
  | 'UNAVAILABLE'
  | 'INTERNAL';

/** Base class of every error Mycel raises on purpose; `code` is stable, `message` is for humans. */
export abstract class MycelError extends Error {
  abstract readonly code: ErrorCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The addressed resource (or a resource it depends on) does not exist. */
export class NotFoundError extends MycelError {
  readonly code = 'NOT_FOUND' as const;
}

/** A create hit an existing resource with the same key. */
export class AlreadyExistsError extends MycelError {
  readonly code = 'ALREADY_EXISTS' as const;
}

/** An optimistic-concurrency precondition (expected version) did not hold, or the write races another. */
export class ConflictError extends MycelError {
  readonly code = 'CONFLICT' as const;
}

/** The input parsed but violates the schema; carries every violation with its field path. */
export class ValidationError extends MycelError {
  readonly code = 'INVALID' as const;
  readonly violations: readonly Violation[];

  constructor(message: string, violations: readonly Violation[], options?: { cause?: unknown }) {
    super(message, options);
    this.violations = violations;
  }
}

/** The input could not be parsed at all (bad JSON/YAML, bad query parameter syntax). */
export class MalformedInputError extends MycelError {
  readonly code = 'MALFORMED' as const;
  readonly violations: readonly Violation[];

  constructor(message: string, violations: readonly Violation[] = [], options?: { cause?: unknown }) {
    super(message, options);
    this.violations = violations;
  }
}

/** No credentials, or credentials that do not verify (bad signature, expired, revoked). */
export class UnauthenticatedError extends MycelError {
  readonly code = 'UNAUTHENTICATED' as const;
}

/** Valid credentials that do not grant the requested action. */
export class ForbiddenError extends MycelError {
  readonly code = 'FORBIDDEN' as const;
}

/** A request body larger than the configured limit. */
export class PayloadTooLargeError extends MycelError {
  readonly code = 'PAYLOAD_TOO_LARGE' as const;
}

/** A request body in a media type the endpoint does not accept. */
export class UnsupportedMediaTypeError extends MycelError {
  readonly code = 'UNSUPPORTED_MEDIA_TYPE' as const;
}

/** The path exists but not with this method; `allowed` lists the methods that do. */
export class MethodNotAllowedError extends MycelError {
  readonly code = 'METHOD_NOT_ALLOWED' as const;
  readonly allowed: readonly string[];

  constructor(message: string, allowed: readonly string[], options?: { cause?: unknown }) {
    super(message, options);
    this.allowed = allowed;
  }
}

/** A dependency (Redis, NATS) is unreachable; the operation may succeed on retry. */
export class UnavailableError extends MycelError {
  readonly code = 'UNAVAILABLE' as const;
}

/** True for errors raised on purpose by Mycel code (as opposed to bugs). */
export function isMycelError(err: unknown): err is MycelError {
  return err instanceof MycelError;
}
