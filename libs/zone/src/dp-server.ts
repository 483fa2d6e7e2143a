import { createServer as createHttpServer } from 'node:http';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import express from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { NotFoundError } from '@mycel/core';
import { silentLogger } from '@mycel/telemetry';
import type { Logger } from '@mycel/telemetry';
import { sendProblem } from './bootstrap/bootstrap.handler';

/** Default port of the dataplane server (ADS over gRPC and `POST /bootstrap` over HTTP/1.1). */
export const DEFAULT_DP_SERVER_PORT = 5678;

/** The client connection preface of HTTP/2 (RFC 9113 §3.4); gRPC connections start with it. */
export const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/** Which server a connection belongs to, from its first bytes. */
export type ConnectionProtocol = 'http2' | 'http1' | 'undecided';

/**
 * Classifies a connection by the bytes it sent first: `http2` once they hold the whole HTTP/2
 * preface, `http1` as soon as they differ from it (an HTTP/1.1 request line never starts with it),
 * `undecided` while they are a proper prefix of it.
 */
export function classifyPreface(bytes: Buffer): ConnectionProtocol {
  const n = Math.min(bytes.length, HTTP2_PREFACE.length);
  if (bytes.subarray(0, n).compare(HTTP2_PREFACE, 0, n) !== 0) return 'http1';
  return n === HTTP2_PREFACE.length ? 'http2' : 'undecided';
}

/** Options of {@link DpServer}. */
export interface DpServerOptions {
  /** The HTTP handler of `POST /bootstrap`, usually `createBootstrapHandler(...)`. */
  readonly bootstrap: RequestHandler;
  readonly logger?: Logger;
  /** Options of the gRPC server (keepalive, message sizes …). */
  readonly grpcOptions?: grpc.ServerOptions;
  /** A connection that has not sent enough to tell HTTP/2 from HTTP/1.1 within this time is closed; default 10000 ms. */
  readonly prefaceTimeoutMs?: number;
  /** How long `stop()` lets calls and requests finish before it closes their connections; default 5000 ms. */
  readonly shutdownGraceMs?: number;
  /** An HTTP/1.1 connection idle (no bytes either way) this long is closed; default 60000 ms. */
  readonly httpIdleTimeoutMs?: number;
  /**
   * Pending connections the kernel queues before the server accepts them;
   * {@link DEFAULT_DP_LISTEN_BACKLOG} by default (the kernel caps it at `net.core.somaxconn`).
   */
  readonly listenBacklog?: number;
}

/**
 * Default listen backlog of the dataplane port: 4096, not Node's 511, because after a restart every
 * dataplane of the zone reconnects within seconds, and connects beyond the backlog are reset or
 * time out — each pushing that dataplane further out in its retry backoff.
 */
export const DEFAULT_DP_LISTEN_BACKLOG = 4096;

/** Where {@link DpServer.start} listens. */
export interface DpListenOptions {
  /** Default `0.0.0.0`. */
  readonly address?: string;
  /** Default {@link DEFAULT_DP_SERVER_PORT}; 0 picks a free port (see {@link DpServer.port}). */
  readonly port?: number;
}

/**
 * The dataplane port of a zone control plane: gRPC (ADS, and whatever else is registered on
 * {@link grpcServer}) and HTTP/1.1 (`POST /bootstrap`, `GET /healthz`) on one TCP port, plaintext.
 * A `net.Server` reads the first bytes of each connection: the HTTP/2 preface hands it to the gRPC
 * server through a connection injector, anything else to an HTTP server running the bootstrap app.
 * Register services on `grpcServer` before {@link start}. One-shot: start once, stop once.
 */
export class DpServer {
  /** The gRPC server connections with the HTTP/2 preface go to; e.g. `adsServer.register(dp.grpcServer)`. */
  readonly grpcServer: grpc.Server;
  private readonly logger: Logger;
  private readonly prefaceTimeoutMs: number;
  private readonly shutdownGraceMs: number;
  private readonly netServer: NetServer;
  private readonly httpServer: HttpServer;
  private injector: grpc.ConnectionInjector | undefined;
  private state: 'new' | 'starting' | 'running' | 'stopping' | 'stopped' = 'new';
  /** Every open connection, whatever protocol it turned out to speak. */
  private readonly sockets = new Set<Socket>();
  /** Connections still being classified. */
  private readonly sniffing = new Set<Socket>();
  /** HTTP/1.1 connections → requests in flight on them. */
  private readonly httpSockets = new Map<Socket, number>();
  private stopped: Promise<void> | undefined;

  constructor(private readonly options: DpServerOptions) {
    this.logger = options.logger ?? silentLogger;
    this.prefaceTimeoutMs = options.prefaceTimeoutMs ?? 10_000;
    this.shutdownGraceMs = options.shutdownGraceMs ?? 5_000;
    this.grpcServer = new grpc.Server(options.grpcOptions);
    this.httpServer = createHttpServer(this.httpApp());
    // This server never listens itself, so Node's own idle-connection sweep does not run: time out sockets instead.
    this.httpServer.timeout = options.httpIdleTimeoutMs ?? 60_000;
    this.httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => this.trackRequest(req, res));
    this.httpServer.on('clientError', (err: Error, socket) => {
      this.logger.debug('bad HTTP request on the dataplane port', { error: err.message });
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    this.netServer = createNetServer((socket) => this.onConnection(socket));
  }

  /** Listens on `address:port` (default 0.0.0.0:5678); rejects when the port cannot be bound. */
  async start(options: DpListenOptions = {}): Promise<void> {
    if (this.state !== 'new') throw new Error('DpServer can only be started once');
    this.state = 'starting';
    this.injector = this.grpcServer.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    const address = options.address ?? '0.0.0.0';
    const port = options.port ?? DEFAULT_DP_SERVER_PORT;
    try {
      await new Promise<void>((resolve, reject) => {
        this.netServer.once('error', reject);
        this.netServer.listen({ host: address, port, backlog: this.options.listenBacklog ?? DEFAULT_DP_LISTEN_BACKLOG }, () => {
          this.netServer.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      this.state = 'stopped';
      this.injector.destroy();
      this.grpcServer.forceShutdown();
      throw err;
    }
    this.netServer.on('error', (err) => this.logger.error('dataplane server error', { error: err }));
    this.state = 'running';
    this.logger.info('dataplane server listening (gRPC ADS and HTTP bootstrap)', { address, port: this.port });
  }

  /** The bound port (useful after `start({port: 0})`); throws before start. */
  get port(): number {
    const address = this.netServer.address();
    if (address === null || typeof address === 'string') throw new Error('DpServer is not listening');
    return (address as AddressInfo).port;
  }

  /**
   * Stops accepting connections, ends gRPC calls gracefully (GOAWAY; cancelled after the grace
   * period — end long-lived ADS streams first with `AdsServer.close()`), answers HTTP requests in
   * flight with `Connection: close`, closes idle connections at once and every remaining one after
   * `shutdownGraceMs`. Resolves when every connection is closed. Idempotent.
   */
  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  private async shutdown(): Promise<void> {
    if (this.state === 'new' || this.state === 'stopped') {
      this.state = 'stopped';
      this.grpcServer.forceShutdown();
      return;
    }
    this.state = 'stopping';
    const closed = new Promise<void>((resolve) => this.netServer.close(() => resolve()));
    for (const socket of this.sniffing) socket.destroy();
    for (const [socket, inFlight] of this.httpSockets) if (inFlight === 0) socket.destroy();
    const grpcDone = new Promise<void>((resolve) => this.grpcServer.tryShutdown(() => resolve()));
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'grace-over'>((resolve) => {
      timer = setTimeout(() => resolve('grace-over'), this.shutdownGraceMs);
    });
    if ((await Promise.race([grpcDone.then(() => 'done' as const), graceOver])) === 'grace-over') {
      this.logger.warn('gRPC calls still open after the shutdown grace period; cancelling them', { graceMs: this.shutdownGraceMs });
      this.grpcServer.forceShutdown();
    }
    if ((await Promise.race([closed.then(() => 'done' as const), graceOver])) === 'grace-over') {
      for (const socket of this.sockets) socket.destroy();
    }
    clearTimeout(timer);
    this.injector?.destroy();
    await closed;
    this.state = 'stopped';
    this.logger.info('dataplane server stopped');
  }

  private onConnection(socket: Socket): void {
    if (this.state !== 'running') {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    this.sniffing.add(socket);
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.sniffing.delete(socket);
      this.httpSockets.delete(socket);
    });
    socket.setNoDelay(true);
    let received: Buffer = Buffer.alloc(0);
    const timer = setTimeout(() => {
      this.logger.debug('connection sent no protocol preface in time; closing it', { peer: socket.remoteAddress, timeoutMs: this.prefaceTimeoutMs });
      socket.destroy();
    }, this.prefaceTimeoutMs);
    const onError = (err: Error): void => {
      // Only while sniffing: afterwards the HTTP or HTTP/2 server owns the socket and its errors.
      this.logger.debug('connection failed before its protocol was known', { error: err.message });
    };
    const onEnd = (): void => {
      socket.destroy();
    };
    const onData = (chunk: Buffer): void => {
      received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
      const protocol = classifyPreface(received);
      if (protocol === 'undecided') return;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('end', onEnd);
      this.sniffing.delete(socket);
      socket.pause();
      // Give the bytes back: the server that takes the socket reads them first.
      socket.unshift(received);
      if (protocol === 'http2') {
        // Node's HTTP/2 session reads what is buffered on the socket before reading from it.
        this.injector?.injectConnection(socket);
      } else {
        this.httpSockets.set(socket, 0);
        this.httpServer.emit('connection', socket);
        // The HTTP server consumes the socket natively once it is flowing; resuming flushes the
        // buffered bytes through its 'data' listener first (on the next tick, before any new read).
        socket.resume();
      }
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('end', onEnd);
  }

  private trackRequest(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    this.httpSockets.set(socket, (this.httpSockets.get(socket) ?? 0) + 1);
    if (this.state !== 'running') res.setHeader('Connection', 'close');
    res.once('close', () => {
      const left = (this.httpSockets.get(socket) ?? 1) - 1;
      if (this.httpSockets.has(socket)) this.httpSockets.set(socket, left);
      if (left === 0 && this.state === 'stopping') socket.destroy();
    });
  }

  private httpApp(): express.Express {
    const app = express();
    app.disable('x-powered-by');
    app.set('etag', false);
    app.get('/healthz', (_req: Request, res: Response) => {
      const serving = this.state === 'running';
      res.status(serving ? 200 : 503).json({ status: serving ? 'ok' : 'stopping' });
    });
    app.use(this.options.bootstrap);
    app.use((req: Request, _res: Response, next: NextFunction) => {
      next(new NotFoundError(`no such endpoint: ${req.method} ${req.path}; the dataplane port serves POST /bootstrap, GET /healthz and gRPC`));
    });
    app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
      if (res.headersSent) {
        next(err);
        return;
      }
      sendProblem(res, err, req.originalUrl);
    });
    return app;
  }
}
