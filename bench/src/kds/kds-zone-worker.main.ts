import { createCoreRegistry } from '@mycel/core';
import { ZoneKdsSync, connectNats, kdsKey, zoneNatsUser } from '@mycel/kds';
import type { KdsNats } from '@mycel/kds';
import { MemoryStore } from '@mycel/store';
import type { ChangeStream } from '@mycel/store';
import type { NatsConnection } from '@nats-io/nats-core';
import { serveRpc } from '../support/child-rpc';
import { monotonicMs } from '../support/monotonic-clock';
import { procCpuMs, procStatusKiB } from '../support/proc-status';
import { TrackedState, isTracked, storeState, syncedContentHash } from './kds-state';
import { RawFollower, rawConnect, rawReadAll } from './raw-jetstream';

// A process hosting several KDS zones, each with its own MemoryStore, NATS connection (its own
// user) and ZoneKdsSync, so global's side keeps a core of its own. Each zone's store change feed
// is followed to record when every write of global landed (monotonic clock, shared by every
// process of the machine) and to know, per change, whether the zone equals an expected state.
// Also hosts the raw JetStream consumers of the baseline, in the same layout.

interface ZoneInit {
  readonly name: string;
  readonly password: string;
}

interface Zone {
  readonly name: string;
  readonly password: string;
  readonly store: MemoryStore;
  readonly state: TrackedState;
  readonly feed: ChangeStream;
  readonly follow: Promise<void>;
  /** Write ids (`<key> <hash>`) applied, and when, since the last `take`. */
  ids: string[];
  times: number[];
  nats: KdsNats | undefined;
  sync: ZoneKdsSync | undefined;
  /** Called after every change while someone waits for equality. */
  onChange: (() => void) | undefined;
}

const registry = createCoreRegistry();
const zones = new Map<string, Zone>();
let url = '';
const rawConnections: NatsConnection[] = [];
const rawFollowers: RawFollower[] = [];

function zoneOf(name: string): Zone {
  const zone = zones.get(name);
  if (!zone) throw new Error(`no zone ${name} in this worker`);
  return zone;
}

function addZone(init: ZoneInit): void {
  // Enough retained changes that the follower below never needs a re-list, even during a 10,000-change resync.
  const store = new MemoryStore({ retainChanges: 200_000 });
  const state = new TrackedState();
  const feed = store.watch();
  const zone: Zone = { ...init, store, state, feed, follow: Promise.resolve(), ids: [], times: [], nats: undefined, sync: undefined, onChange: undefined };
  (zone as { follow: Promise<void> }).follow = (async () => {
    for await (const message of feed) {
      const t = monotonicMs();
      if (message.kind === 'resync') {
        // Changes were lost to the feed (it never happens with the retention above): rebuild from a listing.
        for (const [key, hash] of await storeState(store, 'zone')) state.apply(key, hash);
        continue;
      }
      const { op, resource } = message.event;
      if (!isTracked(resource, 'zone')) continue;
      const key = kdsKey(resource);
      if (op === 'deleted') {
        state.apply(key, undefined);
      } else {
        const hash = syncedContentHash(resource);
        state.apply(key, hash);
        if (resource.type === 'Secret') {
          zone.ids.push(`${key} ${hash}`);
          zone.times.push(t);
        }
      }
      zone.onChange?.();
    }
  })();
  zones.set(init.name, zone);
}

async function startZone(name: string): Promise<void> {
  const zone = zoneOf(name);
  if (zone.sync) return;
  zone.nats = await connectNats({ servers: url, user: zoneNatsUser(name), pass: zone.password, name: `bench zone ${name}` });
  zone.sync = new ZoneKdsSync({ store: zone.store, registry, nats: zone.nats, zone: name, acrossZones: false });
  zone.sync.start();
}

async function stopZone(name: string): Promise<void> {
  const zone = zoneOf(name);
  await zone.sync?.stop();
  await zone.nats?.close();
  zone.sync = undefined;
  zone.nats = undefined;
}

/** Resolves with the monotonic time at which the zone first equals its expected state. */
function whenEqual(zone: Zone, timeoutMs: number): Promise<number> {
  if (zone.state.differences === 0) return Promise.resolve(monotonicMs());
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      zone.onChange = undefined;
      reject(new Error(`zone ${zone.name} still differs from global in ${zone.state.differences} keys after ${timeoutMs} ms`));
    }, timeoutMs);
    zone.onChange = () => {
      if (zone.state.differences !== 0) return;
      const t = monotonicMs();
      clearTimeout(timer);
      zone.onChange = undefined;
      resolve(t);
    };
  });
}

serveRpc(
  {
    init: (args: { url: string; zones: ZoneInit[] }) => {
      url = args.url;
      for (const z of args.zones) addZone(z);
      return {};
    },
    startZone: (args: { zone: string }) => startZone(args.zone),
    stopZone: (args: { zone: string }) => stopZone(args.zone),
    /** Sets the state each zone must reach; answers how many keys differ now. */
    expect: (args: { zones: string[]; state: [string, string][] }) => args.zones.map((name) => {
      const zone = zoneOf(name);
      zone.state.expect(args.state);
      return zone.state.differences;
    }),
    /** Waits until every listed zone equals its expected state, then confirms with a full listing of each store. */
    whenEqual: async (args: { zones: string[]; timeoutMs: number }) => {
      const out: Array<{ zone: string; equalAt: number; listed: [string, string][] }> = [];
      const times = await Promise.all(args.zones.map((name) => whenEqual(zoneOf(name), args.timeoutMs)));
      for (const [i, name] of args.zones.entries()) out.push({ zone: name, equalAt: times[i] as number, listed: await storeState(zoneOf(name).store, 'zone') });
      return out;
    },
    /** Hands over (and forgets) the write ids applied so far, per zone. */
    take: () =>
      [...zones.values()].map((zone) => {
        const taken = { zone: zone.name, ids: zone.ids, times: zone.times };
        zone.ids = [];
        zone.times = [];
        return taken;
      }),
    rawStart: async (args: { url: string; consumers: number }) => {
      for (let i = 0; i < args.consumers; i++) {
        const nc = await rawConnect(args.url, `bench raw ${process.pid}-${i}`);
        rawConnections.push(nc);
        const follower = new RawFollower(nc, monotonicMs);
        await follower.start();
        rawFollowers.push(follower);
      }
      return {};
    },
    rawTake: async () => {
      await Promise.all(rawFollowers.map((f) => f.stop()));
      const out = rawFollowers.map((f) => ({ seqs: f.seqs, times: f.times }));
      rawFollowers.length = 0;
      return out;
    },
    rawReadAll: async (args: { url: string; count: number }) => {
      const nc = await rawConnect(args.url, `bench raw reader ${process.pid}`);
      try {
        return await rawReadAll(nc, args.count, monotonicMs);
      } finally {
        await nc.close();
      }
    },
    status: () => ({ rssKiB: procStatusKiB('self'), cpuMs: procCpuMs('self') }),
  },
  async () => {
    for (const name of zones.keys()) await stopZone(name);
    for (const zone of zones.values()) {
      await zone.feed.close();
      await zone.follow;
      await zone.store.close();
    }
    await Promise.all(rawConnections.map((nc) => nc.close()));
  },
);
