import assert from 'node:assert/strict';
import { MalformedInputError } from '@mycel/core';
import {
  GLOBAL_BUCKET,
  escapeToken,
  isReservedKey,
  kdsKey,
  parseKdsKey,
  typeOfKdsKey,
  unescapeToken,
  zoneBucket,
  zoneOfBucket,
} from './kds-keys';

/** What nats.js accepts as a KV key and bucket name (kv.ts: validKeyRe, validBucketRe). */
const VALID_KV_KEY = /^[-/=.\w]+$/;
const VALID_BUCKET = /^[-\w]+$/;

describe('kds-keys', () => {
  it('keeps DNS names readable and escapes everything else as _XX', () => {
    assert.equal(escapeToken('web-1'), 'web-1');
    assert.equal(escapeToken('web.default.svc'), 'web_2Edefault_2Esvc');
    assert.equal(escapeToken('a_b'), 'a_5Fb');
    assert.equal(escapeToken('*>'), '_2A_3E');
    assert.equal(escapeToken('ü'), '_C3_BC');
  });

  it('round-trips any string, and never produces a dot, wildcard or space', () => {
    const samples = ['default', 'a.b.c', '_', '__', '.', '..', '*', '>', 'x y', 'ünï-cødé.名前', '😀', 'A_2E', 'trailing.', '-'];
    for (const s of samples) {
      const token = escapeToken(s);
      assert.match(token, /^[A-Za-z0-9_-]+$/, s);
      assert.equal(unescapeToken(token), s);
    }
  });

  it('refuses tokens escapeToken cannot produce, so every key has one form', () => {
    assert.throws(() => unescapeToken('_41'), MalformedInputError); // 'A' is never escaped
    assert.throws(() => unescapeToken('a.b'), MalformedInputError);
    assert.throws(() => unescapeToken('_2'), MalformedInputError);
    assert.throws(() => unescapeToken('_FF'), MalformedInputError); // not UTF-8
    assert.throws(() => unescapeToken(''), MalformedInputError);
    assert.throws(() => escapeToken(''), MalformedInputError);
  });

  it('builds <type>.<mesh|_>.<name> keys that NATS KV accepts and parses them back', () => {
    const meshScoped = { type: 'Dataplane', mesh: 'prod.eu', name: 'web-1.ns' };
    const globalScoped = { type: 'Mesh', name: 'default' };
    assert.equal(kdsKey(meshScoped), 'Dataplane.prod_2Eeu.web-1_2Ens');
    assert.equal(kdsKey(globalScoped), 'Mesh._.default');
    for (const key of [meshScoped, globalScoped]) {
      assert.match(kdsKey(key), VALID_KV_KEY);
      assert.deepEqual(parseKdsKey(kdsKey(key)), key);
    }
    assert.equal(typeOfKdsKey('Dataplane.prod_2Eeu.web-1_2Ens'), 'Dataplane');
  });

  it('rejects keys that are not resource keys', () => {
    for (const bad of ['_ready', 'Mesh.default', 'Mesh._.a.b', '1Mesh._.a', 'Mesh._._41']) {
      assert.throws(() => parseKdsKey(bad), MalformedInputError, bad);
    }
    assert.throws(() => kdsKey({ type: 'Not.A.Type', name: 'x' }), MalformedInputError);
  });

  it('reserves _-prefixed keys, which no resource key can start with', () => {
    assert.equal(isReservedKey('_ready'), true);
    assert.equal(isReservedKey('_heartbeat'), true);
    assert.equal(isReservedKey(kdsKey({ type: 'Mesh', name: '_x' })), false);
  });

  it('names zone buckets reversibly and validly', () => {
    assert.equal(zoneBucket('east'), 'mycel-zone-east');
    assert.equal(zoneBucket('us.east-1'), 'mycel-zone-us_2Eeast-1');
    for (const zone of ['east', 'us.east-1', 'a']) {
      assert.match(zoneBucket(zone), VALID_BUCKET);
      assert.equal(zoneOfBucket(zoneBucket(zone)), zone);
    }
    assert.equal(zoneOfBucket(GLOBAL_BUCKET), undefined);
    assert.equal(zoneOfBucket('mycel-zone-a.b'), undefined);
  });
});
