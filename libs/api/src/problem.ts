import { STATUS_CODES } from 'node:http';
import type { Response } from 'express';
import { isMycelError } from '@mycel/core';
import type { ErrorCode, Violation } from '@mycel/core';

/** Media type of RFC 7807 problem documents. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** An RFC 7807 problem document, with Kuma-style `invalidParameters` for validation failures. */
export interface ProblemDocument {
  /** URI reference naming the problem class, e.g. `/problems/invalid`. */
  type: string;
  title: string;
  status: number;
  detail: string;
  /** The request path the problem is about. */
  instance?: string;
  /** Every violated rule with its field path (400s). */
  invalidParameters?: Violation[];
}

const STATUS: Record<ErrorCode, { status: number; title: string }> = {
  NOT_FOUND: { status: 404, title: 'Not Found' },
  ALREADY_EXISTS: { status: 409, title: 'Already Exists' },
  CONFLICT: { status: 409, title: 'Conflict' },
  INVALID: { status: 400, title: 'Invalid Resource' },
  MALFORMED: { status: 400, title: 'Bad Request' },
  UNAUTHENTICATED: { status: 401, title: 'Unauthorized' },
  FORBIDDEN: { status: 403, title: 'Forbidden' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload Too Large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported Media Type' },
  METHOD_NOT_ALLOWED: { status: 405, title: 'Method Not Allowed' },
  UNAVAILABLE: { status: 503, title: 'Service Unavailable' },
  INTERNAL: { status: 500, title: 'Internal Server Error' },
};

/**
 * Maps any thrown value to a problem document: Mycel errors by their code, tsoa's ValidateError to
 * 400 with its fields, express body errors by their status, anything else (including our own INTERNAL
 * errors, whose messages may name internals) to a 500 that only points at the log.
 */
export function toProblem(err: unknown, instance: string): ProblemDocument {
  if (isMycelError(err) && err.code !== 'INTERNAL') {
    const { status, title } = STATUS[err.code];
    const doc: ProblemDocument = { type: `/problems/${err.code.toLowerCase().replace(/_/g, '-')}`, title, status, detail: err.message, instance };
    const violations = (err as { violations?: readonly Violation[] }).violations;
    if (violations && violations.length > 0) doc.invalidParameters = [...violations];
    return doc;
  }
  if (isTsoaValidateError(err)) {
    const invalidParameters = Object.entries(err.fields).map(([field, f]) => ({ field: tsoaField(field), reason: f.message }));
    return {
      type: '/problems/malformed',
      title: 'Bad Request',
      status: 400,
      detail: `invalid request parameters: ${invalidParameters.map((p) => `${p.field}: ${p.reason}`).join('; ')}`,
      instance,
      invalidParameters,
    };
  }
  const clientStatus = httpClientErrorStatus(err);
  if (clientStatus !== undefined) {
    // Express and its helpers flag client errors with a status, e.g. 400 for a path segment that is
    // not valid percent-encoding ('/meshes/%ZZ'); their messages are meant for the client.
    const title = STATUS_CODES[clientStatus] ?? 'Client Error';
    const type = clientStatus === 400 ? '/problems/malformed' : 'about:blank';
    return { type, title, status: clientStatus, detail: (err as Error).message, instance };
  }
  return { type: '/problems/internal', title: 'Internal Server Error', status: 500, detail: 'internal error; see the control plane log', instance };
}

/** The 4xx status an express-style error (http-errors, URIError from route matching) carries, if any. */
function httpClientErrorStatus(err: unknown): number | undefined {
  if (!(err instanceof Error)) return undefined;
  const { status, statusCode } = err as { status?: unknown; statusCode?: unknown };
  const code = typeof status === 'number' ? status : statusCode;
  return typeof code === 'number' && Number.isInteger(code) && code >= 400 && code < 500 ? code : undefined;
}

/** Writes a problem document with the right status, media type and (401/405) headers. */
export function sendProblem(res: Response, doc: ProblemDocument, err?: unknown): void {
  if (doc.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="mycel"');
  if (err !== undefined && isMycelError(err) && err.code === 'METHOD_NOT_ALLOWED') {
    res.setHeader('Allow', (err as unknown as { allowed: readonly string[] }).allowed.join(', '));
  }
  res.status(doc.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(doc));
}

interface TsoaValidateError {
  name: 'ValidateError';
  fields: Record<string, { message: string; value?: unknown }>;
}

function isTsoaValidateError(err: unknown): err is TsoaValidateError {
  return typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'ValidateError' && typeof (err as { fields?: unknown }).fields === 'object';
}

/**
 * tsoa names query parameters `size`, path ones `plural`, body ones `body.x` and array items `x.$0`;
 * we report them as given, with the `x[0]` index syntax our validators use.
 */
function tsoaField(field: string): string {
  return field.replace(/^body\./, '').replace(/\.\$(\d+)(?=\.|$)/g, '[$1]');
}
