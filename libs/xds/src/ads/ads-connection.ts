import { status } from '@grpc/grpc-js';
import type { Metadata, ServerDuplexStream } from '@grpc/grpc-js';
import { isMycelError } from '@mycel/core';
import type { Logger } from '@mycel/telemetry';
import type { SnapshotCache } from '../snapshot-cache';
import type { AdsMetrics, AdsProtocol } from './ads-metrics';
import type { AdsNode } from './ads-proto';
import { grpcStatusOf } from './grpc-status';
import type { NackDetail, XdsStreamContext } from './xds-stream';

/** Who a stream is for, as decided by the {@link AdsAuthorizer}. */
export interface AdsIdentity {
  /** Key of the node's snapshot in the {@link SnapshotCache}; need not equal `node.id`. */
  readonly nodeId: string;
}

/**
 * Decides whether a stream may be served, before anything is sent on it. Resolves to the identity, or
 * to an error that ends the stream: `UnauthenticatedError` → UNAUTHENTICATED, `ForbiddenError` (or
 * any non-Mycel error) → PERMISSION_DENIED, other Mycel errors by their code; the error's message is
 * the status details. A rejected promise ends the stream with INTERNAL (UNAVAILABLE for
 * `UnavailableError`).
 */
export type AdsAuthorizer = (node: AdsNode, metadata: Metadata) => Promise<AdsIdentity | Error>;

/** Describes a connected stream to {@link AdsCallbacks.onConnect}. */
export interface AdsStreamInfo {
  readonly streamId: string;
  readonly protocol: AdsProtocol;
  /** The node of the first request. */
  readonly node: AdsNode;
  /** Peer address as grpc-js reports it. */
  readonly peer: string;
}

/** Per-event context passed to the response/ACK/NACK callbacks. */
export interface AdsEventContext {
  readonly streamId: string;
  /** Nonce of the response the event is about. */
  readonly nonce: string;
}

/**
 * Optional hooks (DataplaneInsight, logging). Called synchronously on the stream's path, so they
 * must be quick; an exception is logged and otherwise ignored.
 */
export interface AdsCallbacks {
  /** A stream was authorized; called before its first response. */
  onConnect?(nodeId: string, streamId: string, info: AdsStreamInfo): void;
  /** An authorized stream ended (any reason). */
  onDisconnect?(nodeId: string, streamId: string): void;
  /** A response carrying `version` of `typeUrl` was sent. */
  onResponse?(nodeId: string, typeUrl: string, version: string, context: AdsEventContext): void;
  /** The client applied `version` of `typeUrl`. */
  onAck?(nodeId: string, typeUrl: string, version: string, context: AdsEventContext): void;
  /** The client rejected `version` of `typeUrl`; it keeps its last good config and nothing is re-sent. */
  onNack?(nodeId: string, typeUrl: string, version: string, errorDetail: NackDetail, context: AdsEventContext): void;
}

/** The per-protocol stream logic a connection drives. */
export interface AdsStreamDriver<Req> {
  start(): void;
  handle(request: Req): void;
  close(): void;
}

/** A live connection as its server sees it. */
export interface AdsConnectionHandle {
  readonly streamId: string;
  /** Ends the call with `code` and `details` (no-op once ended). */
  fail(code: status, details: string): void;
}

/** What a connection needs from its server. */
export interface AdsConnectionHost {
  readonly cache: SnapshotCache;
  readonly authorize: AdsAuthorizer;
  readonly callbacks: AdsCallbacks;
  readonly metrics: AdsMetrics;
  readonly logger: Logger;
  /** The connection ended; forget it. */
  released(connection: AdsConnectionHandle): void;
}

/** Requests buffered while the authorizer runs; a client sending more is misbehaving. */
const MAX_PENDING_REQUESTS = 1024;

/**
 * One ADS gRPC call: checks the node, authorizes it, then feeds requests to the protocol driver and
 * ends the call with a status on protocol errors, server shutdown or client cancellation. Owns the
 * driver (and so its snapshot watch): every way the call ends releases it.
 */
export class AdsConnection<Req extends { readonly node?: AdsNode | null }, Res> implements AdsConnectionHandle {
  private phase: 'new' | 'authorizing' | 'active' | 'closed' = 'new';
  private readonly pending: Req[] = [];
  private node: AdsNode | undefined;
  private firstNodeId: string | undefined;
  private nodeId: string | undefined;
  private driver: AdsStreamDriver<Req> | undefined;

  constructor(
    private readonly host: AdsConnectionHost,
    private readonly call: ServerDuplexStream<Req, Res>,
    readonly protocol: AdsProtocol,
    readonly streamId: string,
    private readonly makeDriver: (context: XdsStreamContext<Res>) => AdsStreamDriver<Req>,
  ) {}

  /** Starts listening to the call. */
  start(): void {
    this.call.on('data', (request: Req) => this.onRequest(request));
    // Client half-close: it will send nothing more, so the stream is over.
    this.call.on('end', () => this.finish());
    this.call.on('cancelled', () => this.release());
    this.call.on('error', () => this.release());
    this.call.on('close', () => this.release());
  }

  /** Ends the call with `code` and `details` (no-op once ended). */
  fail(code: status, details: string): void {
    if (this.phase === 'closed') return;
    this.release();
    this.call.emit('error', Object.assign(new Error(details), { code, details }));
  }

  private onRequest(request: Req): void {
    if (this.phase === 'closed') return;
    const id = request.node?.id ?? '';
    if (this.firstNodeId === undefined) {
      if (id === '') {
        this.fail(status.INVALID_ARGUMENT, 'the first ADS request must carry node.id');
        return;
      }
      this.firstNodeId = id;
      this.node = request.node ?? { id };
      this.phase = 'authorizing';
      this.pending.push(request);
      void this.authorize(this.node);
      return;
    }
    if (id !== '' && id !== this.firstNodeId) {
      this.fail(status.INVALID_ARGUMENT, `node.id changed mid-stream from "${this.firstNodeId}" to "${id}"`);
      return;
    }
    if (this.phase === 'authorizing') {
      if (this.pending.length >= MAX_PENDING_REQUESTS) this.fail(status.RESOURCE_EXHAUSTED, 'too many ADS requests before authorization completed');
      else this.pending.push(request);
      return;
    }
    this.dispatch(request);
  }

  private async authorize(node: AdsNode): Promise<void> {
    let result: AdsIdentity | Error;
    try {
      result = await this.host.authorize(node, this.call.metadata);
    } catch (err) {
      this.host.logger.error('ADS authorizer failed', { nodeId: node.id, streamId: this.streamId, err });
      const details = isMycelError(err) ? err.message : 'authorization failed';
      this.fail(grpcStatusOf(err, status.INTERNAL), `ADS stream for node "${node.id ?? ''}" not authorized: ${details}`);
      return;
    }
    if (this.phase === 'closed') return;
    if (result instanceof Error) {
      this.fail(grpcStatusOf(result, status.PERMISSION_DENIED), `ADS stream for node "${node.id ?? ''}" rejected: ${result.message}`);
      return;
    }
    if (result.nodeId === '') {
      this.fail(status.INTERNAL, 'ADS authorizer returned an empty node id');
      return;
    }
    this.activate(result.nodeId, node);
  }

  private activate(nodeId: string, node: AdsNode): void {
    const { host, protocol, streamId } = this;
    this.nodeId = nodeId;
    this.phase = 'active';
    host.metrics.streamOpened(protocol);
    this.notify('onConnect', (cb) => cb.onConnect?.(nodeId, streamId, { streamId, protocol, node, peer: this.call.getPeer() }));
    this.driver = this.makeDriver({
      nodeId,
      cache: host.cache,
      // grpc-js buffers writes; at most one response per type is outstanding, which bounds the buffer.
      send: (response) => {
        if (this.phase === 'active') this.call.write(response);
      },
      fail: (err) => this.failInternal(err),
      events: {
        response: (typeUrl, version, nonce) => {
          host.metrics.response(protocol, typeUrl);
          this.notify('onResponse', (cb) => cb.onResponse?.(nodeId, typeUrl, version, { streamId, nonce }));
        },
        ack: (typeUrl, version, nonce) => {
          host.metrics.ack(protocol, typeUrl);
          this.notify('onAck', (cb) => cb.onAck?.(nodeId, typeUrl, version, { streamId, nonce }));
        },
        nack: (typeUrl, version, nonce, detail) => {
          host.metrics.nack(protocol, typeUrl);
          host.logger.warn('xDS response rejected', { nodeId, streamId, typeUrl, version, nonce, error: detail.message });
          this.notify('onNack', (cb) => cb.onNack?.(nodeId, typeUrl, version, detail, { streamId, nonce }));
        },
      },
    });
    this.driver.start();
    for (const request of this.pending.splice(0)) {
      if (this.phase !== 'active') break;
      this.dispatch(request);
    }
  }

  private dispatch(request: Req): void {
    try {
      this.driver?.handle(request);
    } catch (err) {
      this.failInternal(err);
    }
  }

  private failInternal(err: unknown): void {
    if (isMycelError(err)) {
      this.fail(grpcStatusOf(err, status.INTERNAL), err.message);
      return;
    }
    this.host.logger.error('ADS stream failed', { nodeId: this.nodeId, streamId: this.streamId, err });
    this.fail(status.INTERNAL, 'internal error in the ADS server');
  }

  private finish(): void {
    if (this.phase === 'closed') return;
    this.release();
    this.call.end();
  }

  private release(): void {
    if (this.phase === 'closed') return;
    const wasActive = this.phase === 'active';
    this.phase = 'closed';
    this.pending.length = 0;
    this.driver?.close();
    this.driver = undefined;
    if (wasActive && this.nodeId !== undefined) {
      const nodeId = this.nodeId;
      this.host.metrics.streamClosed(this.protocol);
      this.notify('onDisconnect', (cb) => cb.onDisconnect?.(nodeId, this.streamId));
    }
    this.host.released(this);
  }

  private notify(name: keyof AdsCallbacks, invoke: (callbacks: AdsCallbacks) => void): void {
    try {
      invoke(this.host.callbacks);
    } catch (err) {
      // A broken hook must not take the stream down; the error is logged with the hook's name.
      this.host.logger.error('ADS callback failed', { callback: name, nodeId: this.nodeId, streamId: this.streamId, err });
    }
  }
}
