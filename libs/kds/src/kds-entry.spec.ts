import assert from 'node:assert/strict';
import { contentHash } from '@mycel/core';
import {
  decodeHeartbeat,
  decodeReadyMarker,
  decodeResourceEntry,
  encodeHeartbeat,
  encodeReadyMarker,
  encodeResourceEntry,
  syncHash,
} from './kds-entry';
import { KdsEntryError } from './kds-errors';
import { kdsKey } from './kds-keys';

const secret = { type: 'Secret', mesh: 'default', name: 'ca.key', labels: { a: 'b' }, spec: { data: 'aGk=' } };
const bytes = (o: unknown): Uint8Array => Buffer.from(JSON.stringify(o));

describe('kds-entry', () => {
  it('round-trips a resource with its content hash, without store fields', () => {
    const stored = { ...secret, creationTime: 't', modificationTime: 't', version: '7' };
    const { hash, value } = encodeResourceEntry(stored);
    assert.equal(hash, contentHash(secret));
    const decoded = decodeResourceEntry('b', kdsKey(secret), value);
    assert.deepEqual(decoded, { resource: secret, hash });
  });

  it('hashes content, not key order or store fields', () => {
    const reordered = { spec: secret.spec, labels: secret.labels, name: secret.name, mesh: secret.mesh, type: secret.type };
    assert.equal(syncHash(reordered), syncHash(secret));
    assert.notEqual(syncHash({ ...secret, spec: { data: 'aGo=' } }), syncHash(secret));
  });

  it('refuses a value stored under another key, a wrong hash, another format or non-JSON', () => {
    const { value, hash } = encodeResourceEntry(secret);
    assert.throws(() => decodeResourceEntry('b', 'Secret.default.other', value), KdsEntryError);
    assert.throws(() => decodeResourceEntry('b', kdsKey(secret), bytes({ v: 1, hash: '0000', resource: secret })), /hashes to/);
    assert.throws(() => decodeResourceEntry('b', kdsKey(secret), bytes({ v: 2, hash, resource: secret })), /format 2/);
    assert.throws(() => decodeResourceEntry('b', kdsKey(secret), Buffer.from('{')), /not JSON/);
    assert.throws(() => decodeResourceEntry('b', kdsKey(secret), bytes({ v: 1, hash, resource: { ...secret, labels: { a: 1 } } })), /malformed/);
  });

  it('round-trips ready markers and heartbeats, and tells them apart', () => {
    const ready = { writer: 'global', time: '2026-01-01T00:00:00.000Z' };
    assert.deepEqual(decodeReadyMarker('b', '_ready', encodeReadyMarker(ready)), ready);
    const hb = { zone: 'east', instanceId: 'i-1', time: '2026-01-01T00:00:00.000Z', intervalMs: 10000, resources: { Dataplane: 3 } };
    assert.deepEqual(decodeHeartbeat('b', '_heartbeat', encodeHeartbeat(hb)), hb);
    assert.throws(() => decodeHeartbeat('b', '_heartbeat', encodeReadyMarker(ready)), KdsEntryError);
    assert.throws(() => decodeReadyMarker('b', '_ready', encodeHeartbeat(hb)), KdsEntryError);
  });
});
