import assert from 'node:assert/strict';
import { GlobalSecretType } from './global-secret.type';
import { MAX_SECRET_BYTES, SecretType } from './secret.type';
import { specTable } from '@mycel/testing';

/** Base64 of exactly `bytes` zero bytes, built without allocating the bytes. */
function base64Of(bytes: number): string {
  const groups = Math.ceil(bytes / 3);
  const padding = groups * 3 - bytes;
  return 'A'.repeat(groups * 4 - padding) + '='.repeat(padding);
}

const BASE64 = "must be standard base64 (A-Z, a-z, 0-9, '+', '/', '=' padding), got another character at offset";

for (const [label, type] of [
  ['Secret', SecretType],
  ['GlobalSecret', GlobalSecretType],
] as const) {
  describe(label, () => {
    specTable(
      (spec) => type.validate(spec, { name: 'ca-key', labels: {}, ...(type.scope === 'mesh' ? { mesh: 'default' } : {}) }),
      [
        { name: 'one padded group', spec: { data: 'aGk=' } },
        { name: 'two padding characters', spec: { data: 'aA==' } },
        { name: 'no padding', spec: { data: 'aGVsbG8h' } },
        { name: "'+' and '/'", spec: { data: '+/+/' } },
        { name: 'exactly 1 MiB once decoded', spec: { data: base64Of(MAX_SECRET_BYTES) } },
      ],
      [
        { name: 'a missing spec (parsed as {})', spec: {}, violations: [{ field: 'spec.data', reason: 'is required' }] },
        { name: 'empty data', spec: { data: '' }, violations: [{ field: 'spec.data', reason: 'must not be empty' }] },
        { name: 'data that is not a string', spec: { data: 12 }, violations: [{ field: 'spec.data', reason: 'must be a string, got number' }] },
        { name: 'a space', spec: { data: 'aGVs bG8=' }, violations: [{ field: 'spec.data', reason: `${BASE64} 4` }] },
        { name: 'a newline', spec: { data: 'aGVs\nbG8=' }, violations: [{ field: 'spec.data', reason: `${BASE64} 4` }] },
        { name: 'URL-safe base64', spec: { data: 'ab-_' }, violations: [{ field: 'spec.data', reason: `${BASE64} 2` }] },
        {
          name: 'padding in the middle',
          spec: { data: 'aG=sbG8=' },
          violations: [{ field: 'spec.data', reason: "must be standard base64 with '=' only as the last one or two characters, got '=' at offset 2" }],
        },
        {
          name: 'three padding characters',
          spec: { data: 'a===' },
          violations: [{ field: 'spec.data', reason: "must be standard base64 with '=' only as the last one or two characters, got '=' at offset 1" }],
        },
        {
          name: 'missing padding',
          spec: { data: 'aGk' },
          violations: [{ field: 'spec.data', reason: "must be standard base64 padded with '=' to a multiple of 4 characters, got 3 characters" }],
        },
        {
          name: 'one byte over 1 MiB once decoded',
          spec: { data: base64Of(MAX_SECRET_BYTES + 1) },
          violations: [{ field: 'spec.data', reason: 'must be at most 1048576 bytes (1 MiB) once decoded, got 1048577 bytes' }],
        },
        {
          name: 'unknown fields',
          spec: { data: 'aGk=', type: 'Opaque', stringData: 'hi' },
          violations: [
            { field: 'spec.type', reason: 'unknown field' },
            { field: 'spec.stringData', reason: 'unknown field' },
          ],
        },
      ],
    );

    it('never echoes the secret data in a reason', () => {
      const data = 'c2VjcmV0LXBhc3N3b3Jk!c2VjcmV0';
      const [violation, ...rest] = type.validate({ data }, { name: 'x', labels: {} });
      assert.equal(rest.length, 0);
      assert.ok(violation);
      assert.ok(!violation.reason.includes('c2VjcmV0'), violation.reason);
    });
  });
}

describe('secret descriptors', () => {
  it('Secret is mesh-scoped, sensitive and synced from global to zones', () => {
    assert.equal(SecretType.name, 'Secret');
    assert.equal(SecretType.plural, 'secrets');
    assert.equal(SecretType.singular, 'secret');
    assert.equal(SecretType.scope, 'mesh');
    assert.deepEqual(SecretType.kds, { globalToZone: true, zoneToGlobal: false, acrossZones: false });
    assert.equal(SecretType.sensitive, true);
    assert.equal(SecretType.readOnly, false);
  });

  it('GlobalSecret is global, sensitive and synced from global to zones', () => {
    assert.equal(GlobalSecretType.name, 'GlobalSecret');
    assert.equal(GlobalSecretType.plural, 'global-secrets');
    assert.equal(GlobalSecretType.singular, 'global-secret');
    assert.equal(GlobalSecretType.scope, 'global');
    assert.deepEqual(GlobalSecretType.kds, { globalToZone: true, zoneToGlobal: false, acrossZones: false });
    assert.equal(GlobalSecretType.sensitive, true);
    assert.equal(GlobalSecretType.readOnly, false);
  });
});
