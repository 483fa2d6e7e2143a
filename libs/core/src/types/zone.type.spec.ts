import assert from 'node:assert/strict';
import { specTable } from '@mycel/testing';
import { ZoneType } from './zone.type';

describe('Zone', () => {
  it('is a global type that KDS does not sync', () => {
    assert.equal(ZoneType.name, 'Zone');
    assert.equal(ZoneType.plural, 'zones');
    assert.equal(ZoneType.singular, 'zone');
    assert.equal(ZoneType.scope, 'global');
    assert.deepEqual(ZoneType.kds, { globalToZone: false, zoneToGlobal: false, acrossZones: false });
    assert.equal(ZoneType.readOnly, false);
    assert.equal(ZoneType.sensitive, false);
  });

  specTable(
    (spec) => ZoneType.validate(spec, { name: 'east', labels: {} }),
    [
      { name: 'an empty spec', spec: {} },
      { name: 'enabled', spec: { enabled: true } },
      { name: 'disabled', spec: { enabled: false } },
    ],
    [
      { name: 'a null spec', spec: null, violations: [{ field: 'spec', reason: 'must be an object, got null' }] },
      { name: 'enabled as a string', spec: { enabled: 'true' }, violations: [{ field: 'spec.enabled', reason: 'must be a boolean, got string' }] },
      { name: 'enabled as null', spec: { enabled: null }, violations: [{ field: 'spec.enabled', reason: 'must be a boolean, got null' }] },
      {
        name: 'unknown fields',
        spec: { enabled: true, address: 'grpcs://east:5685' },
        violations: [{ field: 'spec.address', reason: 'unknown field' }],
      },
    ],
  );
});
