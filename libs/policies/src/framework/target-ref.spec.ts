import assert from 'node:assert/strict';
import { Violations } from '@mycel/core';
import { assertViolations } from '@mycel/testing';
import type { TargetRef, TargetRefKind } from './target-ref';
import { TARGET_REF_KINDS, formatTargetRef, targetRefSpecificity, validateTargetRef } from './target-ref';

function check(value: unknown, allowed: readonly TargetRefKind[] = TARGET_REF_KINDS): { ref: TargetRef | undefined; violations: Violations } {
  const v = new Violations();
  return { ref: validateTargetRef(v, value, 'spec.targetRef', allowed), violations: v };
}

describe('targetRef', () => {
  describe('validateTargetRef accepts', () => {
    const valid: [string, unknown, TargetRef][] = [
      ['Mesh', { kind: 'Mesh' }, { kind: 'Mesh' }],
      ['MeshSubset with tags', { kind: 'MeshSubset', tags: { version: 'v2', 'mycel.io/zone': 'east' } }, { kind: 'MeshSubset', tags: { version: 'v2', 'mycel.io/zone': 'east' } }],
      ['MeshService by service name', { kind: 'MeshService', name: 'backend_svc_80' }, { kind: 'MeshService', name: 'backend_svc_80' }],
      ['Dataplane by name', { kind: 'Dataplane', name: 'web-1' }, { kind: 'Dataplane', name: 'web-1' }],
      ['Dataplane by labels', { kind: 'Dataplane', labels: { team: 'a' } }, { kind: 'Dataplane', labels: { team: 'a' } }],
    ];
    for (const [name, value, expected] of valid) {
      it(name, () => {
        const { ref, violations } = check(value);
        assert.deepEqual(violations.all, []);
        assert.deepEqual(ref, expected);
      });
    }
  });

  describe('validateTargetRef rejects', () => {
    const p = 'spec.targetRef';
    const invalid: [string, unknown, readonly TargetRefKind[], { field: string; reason: string }[]][] = [
      ['a string', 'Mesh', TARGET_REF_KINDS, [{ field: p, reason: 'must be an object, got string' }]],
      ['no kind', {}, TARGET_REF_KINDS, [{ field: `${p}.kind`, reason: 'is required' }]],
      ['an unknown kind', { kind: 'MeshGateway' }, TARGET_REF_KINDS, [{ field: `${p}.kind`, reason: "must be one of 'Mesh', 'MeshSubset', 'MeshService', 'Dataplane', got 'MeshGateway'" }]],
      ['a kind the position does not allow', { kind: 'Dataplane', name: 'a' }, ['Mesh', 'MeshService'], [{ field: `${p}.kind`, reason: "must be one of 'Mesh', 'MeshService', got 'Dataplane'" }]],
      ['unknown fields', { kind: 'Mesh', mesh: 'default' }, TARGET_REF_KINDS, [{ field: `${p}.mesh`, reason: 'unknown field' }]],
      ['fields of another kind', { kind: 'Mesh', name: 'x', tags: { a: 'b' } }, TARGET_REF_KINDS, [
        { field: `${p}.name`, reason: 'must be absent for kind Mesh' },
        { field: `${p}.tags`, reason: 'must be absent for kind Mesh' },
      ]],
      ['MeshSubset without tags', { kind: 'MeshSubset' }, TARGET_REF_KINDS, [{ field: `${p}.tags`, reason: 'is required' }]],
      ['MeshSubset with no tag', { kind: 'MeshSubset', tags: {} }, TARGET_REF_KINDS, [{ field: `${p}.tags`, reason: 'must have at least one tag' }]],
      ['MeshSubset with an empty and a bad tag', { kind: 'MeshSubset', tags: { a: '', b: 'x y' } }, TARGET_REF_KINDS, [
        { field: `${p}.tags.a`, reason: 'value must not be empty' },
        { field: `${p}.tags.b`, reason: "value must consist of alphanumeric characters, '-', '_' or '.', and start and end with an alphanumeric character, got 'x y'" },
      ]],
      ['MeshService without a name', { kind: 'MeshService' }, TARGET_REF_KINDS, [{ field: `${p}.name`, reason: 'is required' }]],
      ['MeshService with a name no tag can hold', { kind: 'MeshService', name: 'a/b' }, TARGET_REF_KINDS, [
        { field: `${p}.name`, reason: "value must consist of alphanumeric characters, '-', '_' or '.', and start and end with an alphanumeric character, got 'a/b'" },
      ]],
      ['Dataplane with both name and labels', { kind: 'Dataplane', name: 'a', labels: { b: 'c' } }, TARGET_REF_KINDS, [{ field: p, reason: 'must set exactly one of name and labels, got both' }]],
      ['Dataplane with neither', { kind: 'Dataplane' }, TARGET_REF_KINDS, [{ field: p, reason: 'must set exactly one of name and labels, got neither' }]],
      ['Dataplane with an invalid name', { kind: 'Dataplane', name: 'Web_1' }, TARGET_REF_KINDS, [
        { field: `${p}.name`, reason: "must consist of lowercase alphanumeric characters, '-' or '.', and start and end with an alphanumeric character, got 'Web_1'" },
      ]],
      ['Dataplane with no label', { kind: 'Dataplane', labels: {} }, TARGET_REF_KINDS, [{ field: `${p}.labels`, reason: 'must have at least one label' }]],
    ];
    for (const [name, value, allowed, expected] of invalid) {
      it(name, () => {
        const { ref, violations } = check(value, allowed);
        assertViolations(violations.all, expected);
        assert.equal(ref, undefined);
      });
    }
  });

  it('orders kinds by specificity: Mesh < MeshSubset < MeshService < Dataplane labels < Dataplane name', () => {
    const refs: TargetRef[] = [
      { kind: 'Dataplane', name: 'a' },
      { kind: 'MeshService', name: 's' },
      { kind: 'Dataplane', labels: { a: 'b' } },
      { kind: 'Mesh' },
      { kind: 'MeshSubset', tags: { a: 'b' } },
    ];
    assert.deepEqual(
      [...refs].sort((a, b) => targetRefSpecificity(a) - targetRefSpecificity(b)).map(formatTargetRef),
      ['Mesh', 'MeshSubset {a=b}', 'MeshService s', 'Dataplane {a=b}', 'Dataplane a'],
    );
  });
});
