import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { MalformedInputError, PayloadTooLargeError, UnsupportedMediaTypeError } from '@mycel/core';
import { parseAllDocuments } from 'yaml';

/** Media types a request body may use. */
export const JSON_TYPES = ['application/json'];
/** YAML media types accepted alongside JSON (kubectl-style manifests). */
export const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];
/** Deepest nesting accepted in a body; deeper input is rejected before any validator recurses into it. */
export const MAX_BODY_DEPTH = 64;

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Reads request bodies of POST/PUT/PATCH up to `maxBytes`, parses JSON or YAML by Content-Type and
 * sets `req.body` (undefined when the body is empty). Oversize → PayloadTooLargeError (413),
 * other media types → UnsupportedMediaTypeError (415), unparsable → MalformedInputError (400).
 */
export function bodyParser(maxBytes: number): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (!BODY_METHODS.has(req.method)) {
      req.body = undefined;
      next();
      return;
    }
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > maxBytes) {
      res.setHeader('Connection', 'close');
      next(new PayloadTooLargeError(`request body of ${declared} bytes exceeds the limit of ${maxBytes} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > maxBytes) {
        failed = true;
        res.setHeader('Connection', 'close');
        next(new PayloadTooLargeError(`request body exceeds the limit of ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', (err) => {
      if (failed) return;
      failed = true;
      next(new MalformedInputError('request body could not be read', [{ field: 'body', reason: err.message }], { cause: err }));
    });
    req.on('end', () => {
      if (failed) return;
      try {
        req.body = parseBody(Buffer.concat(chunks), req.headers['content-type']);
        next();
      } catch (err) {
        next(err);
      }
    });
  };
}

/** Parses a body by its Content-Type; exported for tests. */
export function parseBody(raw: Buffer, contentType: string | undefined): unknown {
  if (raw.length === 0) return undefined;
  const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType === '') {
    throw new UnsupportedMediaTypeError(`a request body needs a Content-Type: one of ${[...JSON_TYPES, ...YAML_TYPES].join(', ')}`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch (err) {
    throw new MalformedInputError('request body is not valid UTF-8', [{ field: 'body', reason: 'is not valid UTF-8' }], { cause: err });
  }
  let value: unknown;
  if (JSON_TYPES.includes(mediaType)) {
    try {
      value = JSON.parse(text);
    } catch (err) {
      const reason = `is not valid JSON: ${(err as Error).message}`;
      throw new MalformedInputError(`request body ${reason}`, [{ field: 'body', reason }], { cause: err });
    }
  } else if (YAML_TYPES.includes(mediaType)) {
    value = parseYamlDocument(text);
  } else {
    throw new UnsupportedMediaTypeError(`Content-Type '${mediaType}' is not supported; use one of ${[...JSON_TYPES, ...YAML_TYPES].join(', ')}`);
  }
  const depth = depthOf(value, 0);
  if (depth > MAX_BODY_DEPTH) {
    throw new MalformedInputError(`request body is nested deeper than ${MAX_BODY_DEPTH} levels`, [
      { field: 'body', reason: `must be nested at most ${MAX_BODY_DEPTH} levels deep` },
    ]);
  }
  return value;
}

function parseYamlDocument(text: string): unknown {
  const docs = parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true });
  if (!Array.isArray(docs)) return undefined; // an empty stream: no document at all
  if (docs.length !== 1) {
    throw new MalformedInputError(`request body must hold exactly one YAML document, got ${docs.length}`, [
      { field: 'body', reason: `must hold exactly one YAML document, got ${docs.length}` },
    ]);
  }
  const doc = docs[0];
  const error = doc?.errors[0];
  if (error) {
    const reason = `is not valid YAML: ${error.message.split('\n')[0] ?? error.message}`;
    throw new MalformedInputError(`request body ${reason}`, [{ field: 'body', reason }], { cause: error });
  }
  try {
    return doc?.toJS({ maxAliasCount: 100 });
  } catch (err) {
    const reason = `is not valid YAML: ${(err as Error).message}`;
    throw new MalformedInputError(`request body ${reason}`, [{ field: 'body', reason }], { cause: err });
  }
}

/** Nesting depth, iteratively so hostile input cannot overflow the stack here. */
function depthOf(root: unknown, start: number): number {
  let max = start;
  const stack: Array<[unknown, number]> = [[root, start]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number];
    if (depth > max) max = depth;
    if (max > MAX_BODY_DEPTH) return max;
    if (typeof value === 'object' && value !== null) {
      for (const child of Object.values(value)) stack.push([child, depth + 1]);
    }
  }
  return max;
}
