import type { KeyObject } from 'node:crypto';
import { MESH_TYPE, NotFoundError, SecretType } from '@mycel/core';
import type { Resource } from '@mycel/core';
import { listAll } from '@mycel/store';
import type { ChangeEvent, ChangeStream, ResourceStore } from '@mycel/store';
import { DATAPLANE_TOKEN_SIGNING_KEY_PREFIX, SigningKeyManager } from '@mycel/tokens';
import type { SigningKey } from '@mycel/tokens';
import { silentLogger } from '@mycel/telemetry';
import type { Logger } from '@mycel/telemetry';

/** Name of the first dataplane-token signing key of every mesh (a `Secret` in that mesh). */
export const FIRST_DATAPLANE_SIGNING_KEY = `${DATAPLANE_TOKEN_SIGNING_KEY_PREFIX}-1`;

/**
 * The dataplane-token signing keys of every mesh: Secrets `dataplane-token-signing-key-<serial>` in
 * the mesh, kid = serial. The highest serial signs; every stored serial verifies, so after
 * {@link rotate} old tokens keep validating until their key Secret is deleted. Every lookup reads the
 * store (see SigningKeyManager), so a key deleted by another process stops verifying at once.
 */
export class MeshSigningKeys {
  private readonly store: ResourceStore;
  private readonly managers = new Map<string, SigningKeyManager>();

  constructor(options: { readonly store: ResourceStore }) {
    this.store = options.store;
  }

  /**
   * Makes sure `mesh` has a signing key (creating serial 1 when it has none) and returns the active
   * one. Safe to race. NotFoundError when the mesh does not exist.
   */
  async ensureForMesh(mesh: string): Promise<SigningKey & { readonly created: boolean }> {
    await this.requireMesh(mesh);
    return this.of(mesh).ensureKey();
  }

  /**
   * Adds a key with the next serial, which signs from now on; tokens signed by older keys keep
   * validating until those Secrets are deleted. NotFoundError when the mesh does not exist.
   */
  async rotate(mesh: string): Promise<SigningKey> {
    await this.requireMesh(mesh);
    return this.of(mesh).rotate();
  }

  /** The key that signs new tokens of `mesh`; NotFoundError when the mesh has none. */
  activeKey(mesh: string): Promise<SigningKey> {
    return this.of(mesh).activeKey();
  }

  /** The public key `kid` of `mesh`, or undefined when no such key is stored (or no such mesh). */
  publicKey(mesh: string, kid: string): Promise<KeyObject | undefined> {
    return this.of(mesh).publicKey(kid);
  }

  /** The kids of every stored key of `mesh`, ascending. */
  listKids(mesh: string): Promise<string[]> {
    return this.of(mesh).listKids();
  }

  /** Drops the parsed-key cache of `mesh` (after the mesh was deleted); the store is untouched. */
  forget(mesh: string): void {
    this.managers.delete(mesh);
  }

  private of(mesh: string): SigningKeyManager {
    let manager = this.managers.get(mesh);
    if (manager === undefined) {
      manager = new SigningKeyManager({ store: this.store, type: 'Secret', mesh, prefix: DATAPLANE_TOKEN_SIGNING_KEY_PREFIX });
      this.managers.set(mesh, manager);
    }
    return manager;
  }

  private async requireMesh(mesh: string): Promise<void> {
    if ((await this.store.find({ type: MESH_TYPE, name: mesh })) === undefined) throw new NotFoundError(`mesh '${mesh}' does not exist`);
  }
}

/** Timer functions of {@link MeshKeyReconciler}, injected so tests need no sleeps. */
export interface ReconcilerTimers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const systemTimers: ReconcilerTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Options of {@link MeshKeyReconciler}. */
export interface MeshKeyReconcilerOptions {
  readonly store: ResourceStore;
  readonly keys: MeshSigningKeys;
  readonly logger?: Logger;
  /** Delay before retrying meshes whose key could not be ensured, and before re-watching a failed feed; default 1000 ms. */
  readonly retryDelayMs?: number;
  readonly timers?: ReconcilerTimers;
}

/**
 * Gives every Mesh a dataplane-token signing key as soon as it exists: on start it lists the meshes,
 * then follows the store's change feed — a created Mesh gets key 1, a deleted key Secret of a mesh
 * that has no key left gets a new one, `resync` re-lists every mesh. Failures are logged and retried
 * after `retryDelayMs`. Owns its watch and timers: {@link stop} ends both.
 */
export class MeshKeyReconciler {
  private readonly store: ResourceStore;
  private readonly keys: MeshSigningKeys;
  private readonly logger: Logger;
  private readonly retryDelayMs: number;
  private readonly timers: ReconcilerTimers;
  private state: 'new' | 'running' | 'stopped' = 'new';
  private stream: ChangeStream | undefined;
  private loop: Promise<void> | undefined;
  private readonly failed = new Set<string>();
  private retryTimer: unknown;
  private retryAll = false;
  private readonly idleWaiters: Array<() => void> = [];
  private busy = 0;
  private wakeFollow: (() => void) | undefined;

  constructor(options: MeshKeyReconcilerOptions) {
    this.store = options.store;
    this.keys = options.keys;
    this.logger = options.logger ?? silentLogger;
    this.retryDelayMs = options.retryDelayMs ?? 1000;
    this.timers = options.timers ?? systemTimers;
  }

  /**
   * Starts watching, then ensures a key for every existing mesh; resolves once those are done (a
   * mesh that failed is retried in the background). Throws if started twice.
   */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new Error('MeshKeyReconciler can only be started once');
    this.state = 'running';
    // Watch before listing: a mesh created in between is then seen by one or the other (or both).
    this.stream = this.store.watch();
    await this.ensureAll();
    this.loop = this.follow();
  }

  /** Stops the watch and the retry timer; resolves when the loop has ended. Idempotent. */
  async stop(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    if (this.retryTimer !== undefined) this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.wakeFollow?.();
    await this.stream?.close();
    await this.loop;
    for (const waiter of this.idleWaiters.splice(0)) waiter();
  }

  /** Resolves when no ensure is running and none waits for a retry (for tests and readiness). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    return this.state !== 'running' || (this.busy === 0 && this.failed.size === 0 && !this.retryAll);
  }

  private async follow(): Promise<void> {
    while (this.state === 'running') {
      const stream = this.stream ?? this.store.watch();
      this.stream = stream;
      try {
        for await (const message of stream) {
          if (this.state !== 'running') break;
          if (message.kind === 'resync') {
            this.logger.warn('store change feed asked for a resync; re-listing meshes for their signing keys', { revision: message.revision });
            await this.ensureAll();
          } else {
            await this.onChange(message.event);
          }
        }
        if (this.state === 'running') {
          this.logger.warn('the store change feed ended (store closed); mesh signing keys are no longer ensured');
          return;
        }
      } catch (err) {
        if (this.state !== 'running') return;
        this.logger.error('store change feed failed; re-watching', { error: err, retryInMs: this.retryDelayMs });
        await stream.close();
        this.stream = undefined;
        // Changes missed while no watch ran are covered by listing every mesh again.
        this.retryAll = true;
        await this.sleep(this.retryDelayMs);
        if (this.state !== 'running') return;
        this.stream = this.store.watch();
        await this.ensureAll();
      }
    }
  }

  private async onChange(event: ChangeEvent): Promise<void> {
    const r = event.resource;
    if (r.type === MESH_TYPE) {
      if (event.op === 'created') await this.ensure(r.name);
      else if (event.op === 'deleted') {
        this.keys.forget(r.name);
        this.failed.delete(r.name);
      }
      return;
    }
    if (r.type === SecretType.name && event.op === 'deleted' && r.mesh !== undefined && isSigningKeyName(r)) {
      // Deleting the last key would leave the mesh unable to admit anyone; a new key only issues new tokens.
      if ((await this.keys.listKids(r.mesh)).length === 0) await this.ensure(r.mesh);
    }
  }

  /** Ensures a key for every mesh; failures are retried. */
  private async ensureAll(): Promise<void> {
    this.retryAll = false;
    let meshes: string[];
    try {
      meshes = await this.listMeshes();
    } catch (err) {
      this.logger.error('cannot list meshes to ensure their signing keys; retrying', { error: err, retryInMs: this.retryDelayMs });
      this.retryAll = true;
      this.scheduleRetry();
      return;
    }
    const existing = new Set(meshes);
    for (const mesh of [...this.failed]) if (!existing.has(mesh)) this.failed.delete(mesh);
    for (const mesh of meshes) await this.ensure(mesh);
    this.notifyIdle();
  }

  private async ensure(mesh: string): Promise<void> {
    if (this.state !== 'running') return;
    this.busy++;
    try {
      const key = await this.keys.ensureForMesh(mesh);
      this.failed.delete(mesh);
      if (key.created) this.logger.info('created the dataplane-token signing key of a mesh', { mesh, kid: key.kid });
    } catch (err) {
      if (err instanceof NotFoundError) {
        // The mesh was deleted meanwhile: nothing to sign for.
        this.failed.delete(mesh);
      } else {
        this.logger.error('cannot ensure the dataplane-token signing key of a mesh; retrying', { mesh, error: err, retryInMs: this.retryDelayMs });
        this.failed.add(mesh);
        this.scheduleRetry();
      }
    } finally {
      this.busy--;
      this.notifyIdle();
    }
  }

  private scheduleRetry(): void {
    if (this.state !== 'running' || this.retryTimer !== undefined) return;
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = undefined;
      void this.retry();
    }, this.retryDelayMs);
  }

  private async retry(): Promise<void> {
    if (this.retryAll) {
      await this.ensureAll();
      return;
    }
    for (const mesh of [...this.failed].sort()) await this.ensure(mesh);
  }

  private notifyIdle(): void {
    if (!this.isIdle()) return;
    for (const waiter of this.idleWaiters.splice(0)) waiter();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const handle = this.timers.setTimeout(() => {
        this.wakeFollow = undefined;
        resolve();
      }, ms);
      this.wakeFollow = () => {
        this.timers.clearTimeout(handle);
        this.wakeFollow = undefined;
        resolve();
      };
    });
  }

  private async listMeshes(): Promise<string[]> {
    return (await listAll(this.store, { type: MESH_TYPE })).map((mesh) => mesh.name);
  }
}

const SIGNING_KEY_NAME = new RegExp(`^${DATAPLANE_TOKEN_SIGNING_KEY_PREFIX}-[1-9][0-9]*$`);

function isSigningKeyName(r: Resource): boolean {
  return SIGNING_KEY_NAME.test(r.name);
}
