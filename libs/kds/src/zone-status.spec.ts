import assert from 'node:assert/strict';
import { ManualClock } from './kds-clock';
import { ZoneHeartbeats } from './zone-status';

const heartbeat = { zone: 'east', instanceId: 'i-1', time: '2026-01-01T00:00:00.000Z', intervalMs: 1000, resources: {} };

describe('ZoneHeartbeats', () => {
  it('is online within the timeout after a live heartbeat and offline after it', () => {
    const clock = new ManualClock();
    const hb = new ZoneHeartbeats(3000);
    assert.deepEqual(hb.describe('east', clock.now()), { online: false });
    hb.record('east', heartbeat, clock.now(), new Date(0), true);
    clock.advance(3000);
    assert.equal(hb.online('east', clock.now()), true);
    clock.advance(1);
    assert.equal(hb.online('east', clock.now()), false);
    assert.equal(hb.describe('east', clock.now()).lastSeen, '2026-01-01T00:00:00.000Z');
  });

  it('dates a heartbeat found in a snapshot by its NATS write time, never in the future', () => {
    const clock = new ManualClock();
    const hb = new ZoneHeartbeats(3000);
    hb.record('old', heartbeat, clock.now(), new Date(clock.now().getTime() - 60_000), false);
    assert.equal(hb.online('old', clock.now()), false, 'a zone dead before global restarted is not online');
    hb.record('skewed', heartbeat, clock.now(), new Date(clock.now().getTime() + 60_000), false);
    assert.equal(hb.describe('skewed', clock.now()).lastSeen, clock.now().toISOString());
  });
});
