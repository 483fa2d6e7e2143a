import assert from 'node:assert/strict';
import { NotFoundError, UnavailableError } from '@mycel/core';
import type { Resource, ResourceInput } from '@mycel/core';
import { MemoryStore } from '@mycel/store';
import type { ChangeEvent, ChangeStream, ResourceStore, WatchMessage } from '@mycel/store';
import { MeshKeyReconciler, MeshSigningKeys } from './mesh-keys';
import type { ReconcilerTimers } from './mesh-keys';

const KEY_1 = 'dataplane-token-signing-key-1';

/** Timers that fire only when the test says so. */
class ManualTimers implements ReconcilerTimers {
  private readonly pending = new Map<number, () => void>();
  private next = 1;

  setTimeout(callback: () => void): unknown {
    const id = this.next++;
    this.pending.set(id, callback);
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  get size(): number {
    return this.pending.size;
  }

  fireAll(): void {
    const callbacks = [...this.pending.values()];
    this.pending.clear();
    for (const callback of callbacks) callback();
  }
}

/** A change stream the test feeds by hand. */
class ScriptedStream implements ChangeStream {
  private readonly queue: WatchMessage[] = [];
  private waiter: ((r: IteratorResult<WatchMessage>) => void) | undefined;
  private failWaiter: ((err: Error) => void) | undefined;
  closed = false;

  push(message: WatchMessage): void {
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: message, done: false });
    } else this.queue.push(message);
  }

  fail(err: Error): void {
    this.failWaiter?.(err);
  }

  close(): Promise<void> {
    this.closed = true;
    this.waiter?.({ value: undefined, done: true });
    this.waiter = undefined;
    return Promise.resolve();
  }

  [Symbol.asyncIterator](): AsyncIterator<WatchMessage> {
    return {
      next: () => {
        const item = this.queue.shift();
        if (item) return Promise.resolve({ value: item, done: false });
        if (this.closed) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          this.waiter = resolve;
          this.failWaiter = reject;
        });
      },
    };
  }
}

/** A MemoryStore whose watches are scripted and whose creates can be made to fail. */
class ScriptedStore implements ResourceStore {
  readonly inner = new MemoryStore();
  readonly streams: ScriptedStream[] = [];
  failCreates = 0;

  get = this.inner.get.bind(this.inner);
  find = this.inner.find.bind(this.inner);
  list = this.inner.list.bind(this.inner);
  update = this.inner.update.bind(this.inner);
  delete = this.inner.delete.bind(this.inner);
  head = this.inner.head.bind(this.inner);
  close = this.inner.close.bind(this.inner);

  create(input: ResourceInput): Promise<Resource> {
    if (this.failCreates > 0) {
      this.failCreates--;
      return Promise.reject(new UnavailableError('store is down'));
    }
    return this.inner.create(input);
  }

  watch(): ChangeStream {
    const stream = new ScriptedStream();
    this.streams.push(stream);
    return stream;
  }

  get stream(): ScriptedStream {
    const s = this.streams[this.streams.length - 1];
    if (!s) throw new Error('no watch');
    return s;
  }
}

function change(op: ChangeEvent['op'], resource: Partial<Resource> & { type: string; name: string }): WatchMessage {
  return {
    kind: 'change',
    event: { revision: '1', op, resource: { labels: {}, spec: {}, creationTime: '', modificationTime: '', version: '1', ...resource } },
  };
}

/** Resolves once `store` has a change matching `match` (watching from `fromRevision`). */
async function changeSeen(store: MemoryStore, fromRevision: string, match: (e: ChangeEvent) => boolean): Promise<ChangeEvent> {
  const stream = store.watch({ fromRevision });
  try {
    for await (const message of stream) if (message.kind === 'change' && match(message.event)) return message.event;
  } finally {
    await stream.close();
  }
  throw new Error('store closed');
}

describe('MeshSigningKeys', () => {
  let store: MemoryStore;
  let keys: MeshSigningKeys;

  beforeEach(async () => {
    store = new MemoryStore();
    keys = new MeshSigningKeys({ store });
    await store.create({ type: 'Mesh', name: 'default', labels: {}, spec: {} });
  });
  afterEach(() => store.close());

  it('creates key 1 as a Secret of the mesh once, then returns it', async () => {
    const first = await keys.ensureForMesh('default');
    assert.equal(first.kid, '1');
    assert.equal(first.created, true);
    const secret = await store.get({ type: 'Secret', mesh: 'default', name: KEY_1 });
    assert.match(Buffer.from((secret.spec as { data: string }).data, 'base64').toString(), /BEGIN PRIVATE KEY/);
    const again = await keys.ensureForMesh('default');
    assert.equal(again.created, false);
    assert.equal(again.kid, '1');
    assert.equal((await store.list({ type: 'Secret', mesh: 'default' })).total, 1);
  });

  it('refuses a mesh that does not exist', async () => {
    await assert.rejects(keys.ensureForMesh('nope'), (err: unknown) => err instanceof NotFoundError && /mesh 'nope' does not exist/.test(err.message));
    await assert.rejects(keys.rotate('nope'), NotFoundError);
  });

  it('rotates to the next serial; every stored serial still verifies', async () => {
    await keys.ensureForMesh('default');
    const rotated = await keys.rotate('default');
    assert.equal(rotated.kid, '2');
    assert.equal((await keys.activeKey('default')).kid, '2');
    assert.deepEqual(await keys.listKids('default'), ['1', '2']);
    assert.ok(await keys.publicKey('default', '1'));
    assert.equal(await keys.publicKey('default', '3'), undefined);
    assert.equal(await keys.publicKey('nope', '1'), undefined);
  });
});

describe('MeshKeyReconciler', () => {
  describe('with a real store', () => {
    let store: MemoryStore;
    let reconciler: MeshKeyReconciler;

    beforeEach(() => {
      store = new MemoryStore();
      reconciler = new MeshKeyReconciler({ store, keys: new MeshSigningKeys({ store }) });
    });
    afterEach(async () => {
      await reconciler.stop();
      await store.close();
    });

    it('gives existing meshes a key on start and new meshes one as soon as they are created', async () => {
      await store.create({ type: 'Mesh', name: 'a', labels: {}, spec: {} });
      await reconciler.start();
      assert.ok(await store.find({ type: 'Secret', mesh: 'a', name: KEY_1 }), 'existing mesh got its key during start');
      const head = await store.head();
      await store.create({ type: 'Mesh', name: 'b', labels: {}, spec: {} });
      const created = await changeSeen(store, head, (e) => e.op === 'created' && e.resource.type === 'Secret' && e.resource.mesh === 'b');
      assert.equal(created.resource.name, KEY_1);
    });

    it('gives a mesh a new key when its last key is deleted, but not while another remains', async () => {
      await store.create({ type: 'Mesh', name: 'a', labels: {}, spec: {} });
      await reconciler.start();
      const keys = new MeshSigningKeys({ store });
      await keys.rotate('a');
      let head = await store.head();
      await store.delete({ type: 'Secret', mesh: 'a', name: KEY_1 });
      // A marker change after the deletion: once the reconciler is past it, it has handled the deletion.
      await store.create({ type: 'Mesh', name: 'marker', labels: {}, spec: {} });
      await changeSeen(store, head, (e) => e.resource.type === 'Secret' && e.resource.mesh === 'marker');
      assert.deepEqual(await keys.listKids('a'), ['2']);
      head = await store.head();
      await store.delete({ type: 'Secret', mesh: 'a', name: 'dataplane-token-signing-key-2' });
      const recreated = await changeSeen(store, head, (e) => e.op === 'created' && e.resource.type === 'Secret' && e.resource.mesh === 'a');
      assert.equal(recreated.resource.name, KEY_1);
    });

    it('stops its watch', async () => {
      await reconciler.start();
      await reconciler.stop();
      await reconciler.stop();
      await assert.rejects(reconciler.start(), /only be started once/);
    });
  });

  describe('with a scripted change feed', () => {
    let store: ScriptedStore;
    let timers: ManualTimers;
    let reconciler: MeshKeyReconciler;

    beforeEach(() => {
      store = new ScriptedStore();
      timers = new ManualTimers();
      reconciler = new MeshKeyReconciler({ store, keys: new MeshSigningKeys({ store }), timers, retryDelayMs: 50 });
    });
    afterEach(async () => {
      await reconciler.stop();
      await store.close();
    });

    it('re-lists every mesh on resync', async () => {
      await reconciler.start();
      // Created behind the reconciler's back: only a resync can reveal it.
      await store.inner.create({ type: 'Mesh', name: 'hidden', labels: {}, spec: {} });
      store.stream.push({ kind: 'resync', revision: '9' });
      store.stream.push(change('created', { type: 'Mesh', name: 'marker-not-existing' }));
      await reconciler.whenIdle();
      await waitUntil(async () => (await store.find({ type: 'Secret', mesh: 'hidden', name: KEY_1 })) !== undefined);
    });

    it('retries a mesh whose key could not be created, after the retry delay', async () => {
      await store.inner.create({ type: 'Mesh', name: 'a', labels: {}, spec: {} });
      store.failCreates = 1;
      await reconciler.start();
      assert.equal(await store.find({ type: 'Secret', mesh: 'a', name: KEY_1 }), undefined);
      assert.equal(timers.size, 1, 'a retry is scheduled');
      const idle = reconciler.whenIdle();
      timers.fireAll();
      await idle;
      assert.ok(await store.find({ type: 'Secret', mesh: 'a', name: KEY_1 }));
    });

    it('re-watches and re-lists after the change feed fails', async () => {
      await reconciler.start();
      const first = store.stream;
      await store.inner.create({ type: 'Mesh', name: 'late', labels: {}, spec: {} });
      first.fail(new UnavailableError('feed broke'));
      await waitUntil(() => Promise.resolve(timers.size === 1));
      timers.fireAll();
      await waitUntil(async () => (await store.find({ type: 'Secret', mesh: 'late', name: KEY_1 })) !== undefined);
      assert.equal(store.streams.length, 2);
      assert.equal(first.closed, true);
    });
  });
});

/** Polls `condition` on the event loop (no timers involved) until it holds; fails after many turns. */
async function waitUntil(condition: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('condition never held');
}
