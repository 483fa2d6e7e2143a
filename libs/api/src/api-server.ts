import { createServer } from 'node:http';
import type { Server, Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { UnavailableError } from '@mycel/core';
import { createApiApp } from './app';
import type { ApiContext } from './context';

/** Where the API listens. Port 0 picks a free port (see {@link ApiServer.port}). */
export interface ListenOptions {
  readonly address: string;
  readonly port: number;
}

/** The API's HTTP server: owns its sockets, so `stop()` ends promptly even with keep-alive clients. */
export class ApiServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly context: ApiContext) {}

  /** Starts listening; UnavailableError with the reason when the address is taken or not allowed. */
  async start(options: ListenOptions): Promise<void> {
    const server = createServer({ requestTimeout: 60_000, headersTimeout: 30_000 }, createApiApp(this.context));
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) => {
        reject(new UnavailableError(`cannot listen on ${options.address}:${options.port}: ${err.code ?? err.message}`, { cause: err }));
      };
      server.once('error', onError);
      server.listen(options.port, options.address, () => {
        server.off('error', onError);
        resolve();
      });
    });
    this.server = server;
  }

  /** The bound port (useful with port 0). */
  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  /** Stops accepting, lets in-flight requests finish for up to `graceMs`, then closes what is left. */
  async stop(graceMs = 5000): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
    const timer = setTimeout(() => {
      for (const s of this.sockets) s.destroy();
    }, graceMs);
    await closed;
    clearTimeout(timer);
  }
}
