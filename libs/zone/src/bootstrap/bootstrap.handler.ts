import express from 'express';
import type { NextFunction, Request, Response, Router } from 'express';
import { MalformedInputError, MethodNotAllowedError, PayloadTooLargeError, UnsupportedMediaTypeError, isMycelError } from '@mycel/core';
import { PROBLEM_CONTENT_TYPE, toProblem } from '@mycel/api';
import { TokenRejectedError } from '@mycel/tokens';
import { silentLogger } from '@mycel/telemetry';
import type { Logger } from '@mycel/telemetry';
import { DataplaneTokenForbiddenError } from '../dataplane-tokens';
import { BootstrapService } from './bootstrap.service';
import type { BootstrapOptions } from './bootstrap.service';

/** Path of the bootstrap endpoint on the dataplane port. */
export const BOOTSTRAP_PATH = '/bootstrap';
/** Largest `POST /bootstrap` body accepted by default, in bytes (a Dataplane with many inbounds fits easily). */
export const DEFAULT_BOOTSTRAP_MAX_BODY_BYTES = 256 * 1024;

/** Options of {@link createBootstrapHandler}. */
export interface BootstrapHandlerOptions extends BootstrapOptions {
  readonly logger?: Logger;
  /** Largest request body in bytes (413 above it); {@link DEFAULT_BOOTSTRAP_MAX_BODY_BYTES} by default. */
  readonly maxBodyBytes?: number;
}

/**
 * An express router serving `POST /bootstrap` (see BootstrapService): a JSON body in, the bootstrap
 * JSON out (200, `Cache-Control: no-store` since it carries the token). Errors are RFC 7807
 * problem documents in the API's shape: 400 (with `invalidParameters`), 401 (with
 * `WWW-Authenticate`), 403, 404, 405, 413, 415, 500 (details only in the log).
 */
export function createBootstrapHandler(options: BootstrapHandlerOptions): Router {
  const service = new BootstrapService(options);
  const logger = options.logger ?? silentLogger;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_BOOTSTRAP_MAX_BODY_BYTES;
  const router = express.Router();

  router.post(BOOTSTRAP_PATH, (req: Request, res: Response, next: NextFunction) => {
    void (async () => {
      const body = await readJsonBody(req, maxBodyBytes);
      const result = await service.bootstrap(body);
      logger.info('dataplane bootstrapped', {
        mesh: result.dataplane.mesh,
        name: result.dataplane.name,
        kind: result.kind,
        registration: result.registration,
        jti: result.identity.jti,
        peer: req.socket.remoteAddress,
      });
      res.status(200).setHeader('Cache-Control', 'no-store');
      res.type('application/json').send(JSON.stringify(result.bootstrap));
    })().catch(next);
  });
  router.all(BOOTSTRAP_PATH, (req: Request, _res: Response, next: NextFunction) => {
    next(new MethodNotAllowedError(`${req.method} is not allowed on ${BOOTSTRAP_PATH}; use POST`, ['POST']));
  });
  router.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    if (err instanceof TokenRejectedError || err instanceof DataplaneTokenForbiddenError) {
      logger.warn('dataplane bootstrap refused', { reason: err.reason, error: err.message, peer: req.socket.remoteAddress });
    } else if (!isMycelError(err) || err.code === 'INTERNAL') {
      logger.error('dataplane bootstrap failed', { error: err });
    }
    sendProblem(res, err, req.originalUrl);
  });
  return router;
}

/** Writes `err` as a problem document: the API's mapping, with 5xx details kept for the log only. */
export function sendProblem(res: Response, err: unknown, instance: string): void {
  const doc = toProblem(err, instance);
  if (doc.status >= 500 && doc.status !== 503) doc.detail = 'internal error; see the control plane log';
  if (doc.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="mycel"');
  if (err instanceof MethodNotAllowedError) res.setHeader('Allow', err.allowed.join(', '));
  // The rest of an oversized body is never read; the connection cannot carry another request.
  if (err instanceof PayloadTooLargeError) res.setHeader('Connection', 'close');
  res.status(doc.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(doc));
}

/** Reads and parses a JSON body of at most `maxBytes`; 413/415/400 errors as Mycel errors. */
function readJsonBody(req: Request, maxBytes: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const mediaType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (mediaType !== 'application/json') {
      req.resume();
      reject(new UnsupportedMediaTypeError(`Content-Type must be application/json, got '${mediaType || '(none)'}'`));
      return;
    }
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > maxBytes) {
      req.resume();
      reject(new PayloadTooLargeError(`request body of ${declared} bytes exceeds the limit of ${maxBytes} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > maxBytes) {
        done = true;
        reject(new PayloadTooLargeError(`request body exceeds the limit of ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', (err) => {
      if (done) return;
      done = true;
      reject(new MalformedInputError('request body could not be read', [{ field: 'body', reason: err.message }], { cause: err }));
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      try {
        const text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
        if (text.trim() === '') throw new SyntaxError('the body is empty');
        resolve(JSON.parse(text));
      } catch (err) {
        const reason = `is not valid JSON: ${(err as Error).message}`;
        reject(new MalformedInputError(`request body ${reason}`, [{ field: 'body', reason }], { cause: err }));
      }
    });
  });
}
