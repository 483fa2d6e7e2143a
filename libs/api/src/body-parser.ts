import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { MalformedInputError, PayloadTooLargeError, UnsupportedMediaTypeError } from '@mycel/core';
import { CST, Lexer, isMap, isPair, isScalar, isSeq, parseAllDocuments } from 'yaml';

/** Media types a request body may use. */
export const JSON_TYPES = ['application/json'];
/** YAML media types accepted alongside JSON (kubectl-style manifests). */
export const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];
/** Deepest nesting accepted in a body; deeper input is rejected before any validator recurses into it. */
export const MAX_BODY_DEPTH = 64;
/**
 * Largest YAML nesting bound ({@link yamlNestingBound}) handed to the yaml composer, which recurses
 * once per level: deep input overflows its stack, which can abort the process (V8 fails fatally when
 * the overflow hits its regexp compiler). Generous, since the bound counts up to two per block level.
 */
const MAX_YAML_NESTING_BOUND = 4 * MAX_BODY_DEPTH;

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
  if (depthOf(value, 0) > MAX_BODY_DEPTH) throw tooDeep();
  return value;
}

function tooDeep(): MalformedInputError {
  return new MalformedInputError(`request body is nested deeper than ${MAX_BODY_DEPTH} levels`, [
    { field: 'body', reason: `must be nested at most ${MAX_BODY_DEPTH} levels deep` },
  ]);
}

function parseYamlDocument(text: string): unknown {
  const malformed = (reason: string, cause?: unknown): MalformedInputError =>
    new MalformedInputError(`request body ${reason}`, [{ field: 'body', reason }], cause === undefined ? undefined : { cause });
  if (yamlNestingBound(text) > MAX_YAML_NESTING_BOUND) throw tooDeep();
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
  // A collection or alias as a map key has no JSON form, and stringifying nested ones is exponential.
  if (hasComplexKey(doc?.contents)) throw malformed('is not valid here: YAML map keys must be scalars');
  let value: unknown;
  try {
    value = doc?.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw malformed(`is not valid YAML: ${(err as Error).message}`, err);
  }
  if (depthOf(value, 0) > MAX_BODY_DEPTH) throw tooDeep(); // before the walk below: aliases can make cycles
  const foreign = nonJsonValue(value);
  if (foreign !== undefined) throw malformed(`is not valid here: it holds a ${foreign}, which JSON cannot represent (quote the scalar)`);
  return value;
}

/**
 * An upper bound of a YAML text's nesting, from its lexer tokens alone (the lexer is iterative). Flow
 * levels are counted as they open; every block node starts right of its parent's column, except a
 * sequence under a map key may share the key's column, so each open column counts twice.
 */
function yamlNestingBound(text: string): number {
  const columns: number[] = [];
  let flow = 0;
  let column = 0;
  let lineStart = true;
  let scalarBody = false;
  let blockScalarBody = false;
  let bound = 0;
  for (const source of new Lexer().lex(text)) {
    const type = scalarBody ? 'scalar-body' : CST.tokenType(source);
    scalarBody = false;
    switch (type) {
      case 'scalar':
        scalarBody = true; // the next token is the scalar's text, whatever it looks like
        continue;
      case 'doc-mode':
      case 'byte-order-mark':
      case 'flow-error-end':
        continue;
      case 'newline':
        column = 0;
        lineStart = true;
        continue;
      case 'space':
      case 'comment':
      case 'directive-line':
        break;
      case 'doc-start':
      case 'doc-end':
        columns.length = 0;
        flow = 0;
        column += source.length;
        lineStart = true; // content may follow `---` on the same line
        continue;
      default: {
        const startsNode = type === 'seq-item-ind' || type === 'explicit-key-ind' || (lineStart && !(type === 'scalar-body' && blockScalarBody));
        if (flow === 0 && startsNode) {
          while (columns.length > 0 && (columns[columns.length - 1] as number) >= column) columns.pop();
          columns.push(column);
        }
        if (type === 'flow-map-start' || type === 'flow-seq-start') flow++;
        else if ((type === 'flow-map-end' || type === 'flow-seq-end') && flow > 0) flow--;
        blockScalarBody = type === 'block-scalar-header';
        lineStart = false;
        bound = Math.max(bound, flow + 2 * columns.length);
        if (bound > MAX_YAML_NESTING_BOUND) return bound;
      }
    }
    const newline = source.lastIndexOf('\n');
    if (newline < 0) column += source.length;
    else {
      column = source.length - newline - 1;
      lineStart = column === 0;
    }
  }
  return bound;
}

/** True when some map in the tree has a key that is not a scalar; iterative. Aliases are leaves here. */
function hasComplexKey(root: unknown): boolean {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (!isMap(node) && !isSeq(node)) continue;
    for (const item of node.items as unknown[]) {
      if (!isPair(item)) {
        stack.push(item);
        continue;
      }
      if (item.key !== null && item.key !== undefined && !isScalar(item.key)) return true;
      stack.push(item.value);
    }
  }
  return false;
}

/** The kind of the first value that is not plain JSON data (a YAML timestamp, set, binary, NaN …), or undefined. */
function nonJsonValue(root: unknown): string | undefined {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (value === null || typeof value === 'string' || typeof value === 'boolean') continue;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) return `non-finite number (${value})`;
      continue;
    }
    if (Array.isArray(value)) {
      stack.push(...(value as unknown[]));
      continue;
    }
    if (typeof value === 'object') {
      const proto = Object.getPrototypeOf(value) as unknown;
      if (proto !== Object.prototype && proto !== null) return (value as object).constructor?.name ?? 'non-plain object';
      stack.push(...Object.values(value));
      continue;
    }
    return typeof value;
  }
  return undefined;
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
