import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { MESH_TYPE, UnavailableError, type ResourceInput } from '@mycel/core';
import { RedisStore, describeStoreContract, type ChangeEvent, type ChangeStream, type ResourceStore } from '@mycel/store';
import { freePort, startRedisServer, type RedisServer } from '@mycel/testing';

function dataplane(name: string, labels: Record<string, string> = {}): ResourceInput {
  return { type: 'Dataplane', mesh: 'default', name, labels, spec: { port: 8080 } };
}

const defaultMesh: ResourceInput = { type: MESH_TYPE, name: 'default', labels: {}, spec: {} };

/** Reads `n` change events, failing on a resync or the end of the stream. */
async function changes(it: AsyncIterator<unknown>, n: number): Promise<ChangeEvent[]> {
  const out: ChangeEvent[] = [];
  while (out.length < n) {
    const r = (await it.next()) as IteratorResult<{ kind: string; event?: ChangeEvent }>;
    if (r.done === true) assert.fail('the change stream ended');
    if (r.value.kind !== 'change' || r.value.event === undefined) assert.fail(`expected a change, got ${JSON.stringify(r.value)}`);
    out.push(r.value.event);
  }
  return out;
}

function describeEvent(e: ChangeEvent): string {
  return `${e.op} ${e.resource.name} v${e.resource.version}`;
}

/** Waits until the store answers again after an outage (ioredis reconnects by itself). */
async function untilAvailable(store: ResourceStore): Promise<void> {
  const deadline = Date.now() + 20000;
  for (;;) {
    try {
      await store.head();
      return;
    } catch (err) {
      if (!(err instanceof UnavailableError) || Date.now() > deadline) throw err;
    }
  }
}

describe('RedisStore on redis-server', function () {
  let server: RedisServer;
  let prefixes = 0;

  before(async () => {
    server = await startRedisServer();
  });

  after(async () => {
    await server?.stop();
  });

  describeStoreContract('RedisStore', async ({ clock, retainChanges }) => {
    const store = await RedisStore.connect({ url: server.url, keyPrefix: `contract-${++prefixes}`, clock, retainChanges });
    return {
      store,
      teardown: async () => {
        await store.close();
        await server.command('FLUSHALL');
      },
    };
  });

  describe('startRedisServer', () => {
    it('fails with a clear error when redis-server is not on PATH', async () => {
      const path = process.env['PATH'];
      process.env['PATH'] = '/nonexistent';
      try {
        await assert.rejects(startRedisServer(), /redis-server was not found on PATH/);
      } finally {
        process.env['PATH'] = path;
      }
    });

    it('restart() replays the AOF on the same port and dir', async () => {
      // `always`, so the write is in the AOF before the reply (see the reconnects suite below).
      const own = await startRedisServer({ args: ['--appendfsync', 'always'] });
      try {
        await own.command('SET', 'k', 'v');
        const { port, dir } = own;
        const pid = own.pid;
        await own.kill9();
        assert.equal(own.pid, 0);
        await own.restart();
        assert.notEqual(own.pid, pid);
        assert.deepEqual([own.port, own.dir], [port, dir]);
        assert.equal(await own.command('GET', 'k'), 'v');
      } finally {
        await own.stop();
      }
      assert.equal(own.pid, 0);
    });
  });

  describe('connection', () => {
    it('connect fails with UnavailableError naming the URL and the reason when nothing listens', async () => {
      const port = await freePort();
      await assert.rejects(RedisStore.connect({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 2000 }), (err: unknown) => {
        assert.ok(err instanceof UnavailableError);
        assert.match(err.message, new RegExp(`cannot connect to Redis at redis://127.0.0.1:${port}`));
        assert.match(err.message, /ECONNREFUSED/);
        assert.ok(err.cause !== undefined);
        return true;
      });
    });

    it('connect gives up after connectTimeoutMs when the server never answers, without leaking the password', async () => {
      const sockets = new Set<Socket>();
      const silent: Server = createServer((s) => {
        sockets.add(s);
        s.on('error', () => undefined);
      });
      const port = await freePort();
      await new Promise<void>((resolve) => silent.listen(port, '127.0.0.1', resolve));
      try {
        const started = Date.now();
        await assert.rejects(RedisStore.connect({ url: `redis://:s3cret@127.0.0.1:${port}`, connectTimeoutMs: 300 }), (err: unknown) => {
          assert.ok(err instanceof UnavailableError);
          assert.doesNotMatch(err.message, /s3cret/);
          assert.match(err.message, /\*\*\*/);
          return true;
        });
        assert.ok(Date.now() - started < 10000);
      } finally {
        for (const s of sockets) s.destroy();
        await new Promise<void>((resolve) => silent.close(() => resolve()));
      }
    });

    it('stores with different key prefixes do not see each other', async () => {
      const a = await RedisStore.connect({ url: server.url, keyPrefix: 'iso-a' });
      const b = await RedisStore.connect({ url: server.url, keyPrefix: 'iso-b' });
      try {
        await a.create(defaultMesh);
        assert.equal((await b.list({ type: MESH_TYPE })).total, 0);
        assert.equal(await b.head(), '0-0');
        await assert.rejects(b.create(dataplane('x')), /Mesh default not found/);
      } finally {
        await a.close();
        await b.close();
        await server.command('FLUSHALL');
      }
    });
  });

  describe('reconnects', () => {
    // These tests kill -9 redis-server and expect no acknowledged write to be lost. Under `everysec` Redis
    // may acknowledge writes whose AOF write it postponed behind a running fsync (up to 2 s), so only
    // `always` makes that deterministic; see the RedisStore TSDoc.
    let durable: RedisServer;
    let store: RedisStore;
    let watch: ChangeStream;

    before(async () => {
      durable = await startRedisServer({ args: ['--appendfsync', 'always'] });
    });

    after(async () => {
      await durable?.stop();
    });

    beforeEach(async () => {
      store = await RedisStore.connect({ url: durable.url, keyPrefix: 'reconnect' });
      await store.create(defaultMesh);
      watch = store.watch();
    });

    afterEach(async () => {
      await watch.close();
      await store.close();
      await durable.command('FLUSHALL');
    });

    it('a watch whose revision vanished from Redis (lost writes) gets resync even when newer changes exist', async () => {
      const it = watch[Symbol.asyncIterator]();
      await store.create(dataplane('a'));
      await store.create(dataplane('b'));
      const [, b] = await changes(it, 2);
      // Simulate a Redis that came back without the last write the watcher had already delivered.
      await durable.command('XDEL', 'reconnect:changes', b?.revision ?? '');
      await store.create(dataplane('c'));
      assert.deepEqual((await it.next()).value, { kind: 'resync', revision: await store.head() });
      await store.create(dataplane('d'));
      assert.deepEqual((await changes(it, 1)).map(describeEvent), ['created d v1']);
    });

    it('a watch sees every change exactly once across a client reconnect (CLIENT KILL)', async () => {
      const it = watch[Symbol.asyncIterator]();
      for (let i = 0; i < 5; i++) await store.create(dataplane(`dp-${i}`));
      const before = await changes(it, 3);
      // Park the watcher in XREAD BLOCK with two unread changes behind it, then kill every client connection.
      const killed = await durable.command('CLIENT', 'KILL', 'TYPE', 'normal');
      assert.ok(typeof killed === 'number' && killed >= 2, `killed ${String(killed)} connections`);
      for (let i = 5; i < 10; i++) await store.create(dataplane(`dp-${i}`));
      const afterKill = await changes(it, 7);
      await durable.command('CLIENT', 'KILL', 'TYPE', 'normal');
      await store.create(dataplane('last'));
      const last = await changes(it, 1);
      assert.deepEqual(
        [...before, ...afterKill, ...last].map(describeEvent),
        [...Array.from({ length: 10 }, (_, i) => `created dp-${i} v1`), 'created last v1'],
      );
    });

    it('writes in flight during a client kill are applied exactly once (resends are idempotent)', async () => {
      await store.create(dataplane('hot'));
      const it = watch[Symbol.asyncIterator]();
      await changes(it, 1);
      const updates = Array.from({ length: 50 }, (_, i) => store.update(dataplane('hot', { n: String(i) })));
      const kill = durable.command('CLIENT', 'KILL', 'TYPE', 'normal');
      const results = await Promise.allSettled(updates);
      await kill;
      const ok = results.filter((r) => r.status === 'fulfilled').length;
      assert.equal(ok, 50, `failures: ${results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)).join('; ')}`);
      const stored = await store.get({ type: 'Dataplane', mesh: 'default', name: 'hot' });
      assert.equal(stored.version, '51', 'each update applied once');
      const events = await changes(it, 50);
      assert.deepEqual(events.map((e) => e.resource.version), Array.from({ length: 50 }, (_, i) => String(i + 2)));
    });

    it('a watch sees every change exactly once across kill -9 and restart of redis-server (AOF replay)', async () => {
      const it = watch[Symbol.asyncIterator]();
      for (let i = 0; i < 5; i++) await store.create(dataplane(`dp-${i}`));
      const before = await changes(it, 3);
      await durable.kill9();
      // While Redis is down the pending read waits; it resumes from the last delivered id after the restart.
      const pending = changes(it, 2);
      await durable.restart();
      await untilAvailable(store);
      for (let i = 5; i < 10; i++) await store.create(dataplane(`dp-${i}`));
      const resumed = [...(await pending), ...(await changes(it, 5))];
      await store.update(dataplane('dp-0', { after: 'restart' }));
      const last = await changes(it, 1);
      assert.deepEqual(
        [...before, ...resumed, ...last].map(describeEvent),
        [...Array.from({ length: 10 }, (_, i) => `created dp-${i} v1`), 'updated dp-0 v2'],
      );
    });

    it('calls fail with UnavailableError while Redis is down and work again after it returns', async () => {
      await durable.kill9();
      try {
        await assert.rejects(store.get({ type: MESH_TYPE, name: 'default' }), (err: unknown) => {
          assert.ok(err instanceof UnavailableError, String(err));
          assert.ok(err.cause !== undefined);
          return true;
        });
      } finally {
        await durable.restart();
      }
      await untilAvailable(store);
      assert.equal((await store.get({ type: MESH_TYPE, name: 'default' })).version, '1');
    });

    it('close() returns and ends watches even while Redis is down', async () => {
      const it = watch[Symbol.asyncIterator]();
      const pending = it.next();
      await durable.kill9();
      try {
        await store.close();
        assert.equal((await pending).done, true);
      } finally {
        await durable.restart();
      }
    });
  });
});
