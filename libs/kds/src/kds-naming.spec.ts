import assert from 'node:assert/strict';
import { Labels, MAX_NAME_LENGTH, nameProblem } from '@mycel/core';
import { globalLabelsOf, globalNameOf, isGlobalOrigin, isZoneOrigin, zoneHash, zoneLabelsOf } from './kds-naming';

describe('kds-naming', () => {
  it('suffixes zone resources with a stable 8-hex hash of the zone', () => {
    assert.match(zoneHash('east'), /^[0-9a-f]{8}$/);
    assert.equal(zoneHash('east'), zoneHash('east'));
    assert.notEqual(zoneHash('east'), zoneHash('west'));
    assert.equal(globalNameOf('web-1', 'east'), `web-1-${zoneHash('east')}`);
    assert.notEqual(globalNameOf('web-1', 'east'), globalNameOf('web-1', 'west'));
  });

  it('stays within 253 characters, valid and unique for long names', () => {
    const long = `${'a'.repeat(120)}.${'b'.repeat(130)}`; // 251 characters
    const other = `${long.slice(0, -1)}c`;
    const named = globalNameOf(long, 'east');
    assert.ok(named.length <= MAX_NAME_LENGTH, `${named.length}`);
    assert.equal(nameProblem(named), undefined);
    assert.ok(named.endsWith(`-${zoneHash('east')}`));
    assert.notEqual(named, globalNameOf(other, 'east'));
    assert.equal(named, globalNameOf(long, 'east'));
  });

  it('never leaves a dot before the hash when cutting', () => {
    const keep = MAX_NAME_LENGTH - 18;
    const name = `${'a'.repeat(keep - 1)}.${'b'.repeat(20)}`; // the cut lands right after the dot
    const named = globalNameOf(name, 'z');
    assert.equal(nameProblem(named), undefined, named);
  });

  it('labels copies with their origin, zone and display name', () => {
    const labels = globalLabelsOf({ team: 'a' }, 'web-1', 'east');
    assert.deepEqual(labels, { team: 'a', [Labels.origin]: 'zone', [Labels.zone]: 'east', [Labels.displayName]: 'web-1' });
    assert.equal(isZoneOrigin({ labels }), true);
    assert.equal(isGlobalOrigin({ labels }), false);
    const zoneCopy = zoneLabelsOf({ team: 'a' });
    assert.equal(isGlobalOrigin({ labels: zoneCopy }), true);
    assert.equal(isGlobalOrigin({ labels: {} }), false);
  });
});
