import assert from 'node:assert/strict';
import { createCoreRegistry } from './builtin';
import type { EnvelopeExpectation } from './envelope';
import { parseResource } from './envelope';
import type { ResourceInput } from './resource';
import { assertViolations } from '@mycel/testing';
import type { Violation } from './validation';

const registry = createCoreRegistry();
const dataplaneSpec = { networking: { address: '10.0.0.1', inbound: [{ port: 8080, tags: { 'mycel.io/service': 'web' } }] } };
const BAD_NAME = (got: string) =>
  `must consist of lowercase alphanumeric characters, '-' or '.', and start and end with an alphanumeric character, got '${got}'`;

function ok(input: unknown, expect?: EnvelopeExpectation): ResourceInput {
  const result = parseResource(registry, input, expect);
  if (!result.ok) assert.fail(`unexpected violations: ${JSON.stringify(result.violations)}`);
  return result.value;
}

function violations(input: unknown, expect?: EnvelopeExpectation): Violation[] {
  const result = parseResource(registry, input, expect);
  assert.equal(result.ok, false, 'expected violations');
  return result.ok ? [] : result.violations;
}

describe('parseResource with the core types', () => {
  describe('accepts', () => {
    it('a mesh-scoped resource, keeping labels and spec', () => {
      const labels = { 'mycel.io/origin': 'zone', 'mycel.io/zone': 'east', team: '' };
      assert.deepEqual(ok({ type: 'Dataplane', mesh: 'default', name: 'web-1', labels, spec: dataplaneSpec }), {
        type: 'Dataplane',
        mesh: 'default',
        name: 'web-1',
        labels,
        spec: dataplaneSpec,
      });
    });

    it('a global resource without mesh; a missing spec is {}', () => {
      assert.deepEqual(ok({ type: 'Mesh', name: 'default' }), { type: 'Mesh', name: 'default', labels: {}, spec: {} });
      assert.deepEqual(ok({ type: 'Zone', name: 'east', spec: { enabled: false } }), { type: 'Zone', name: 'east', labels: {}, spec: { enabled: false } });
    });

    it('read-only store fields, which are dropped (so GET output can be re-applied)', () => {
      const value = ok({ type: 'Zone', name: 'east', creationTime: '2024-05-01T12:00:00Z', modificationTime: '2024-05-01T12:00:00Z', version: '17' });
      assert.deepEqual(value, { type: 'Zone', name: 'east', labels: {}, spec: {} });
    });

    it('type, mesh and name taken from the expectation when the body omits them', () => {
      assert.deepEqual(ok({ spec: { data: 'aGk=' } }, { type: 'Secret', mesh: 'default', name: 'ca-key' }), {
        type: 'Secret',
        mesh: 'default',
        name: 'ca-key',
        labels: {},
        spec: { data: 'aGk=' },
      });
    });

    it('a body that agrees with the expectation', () => {
      ok({ type: 'Dataplane', mesh: 'default', name: 'web-1', spec: dataplaneSpec }, { type: 'Dataplane', mesh: 'default', name: 'web-1' });
    });
  });

  describe('rejects', () => {
    const cases: { name: string; input: unknown; expect?: EnvelopeExpectation; violations: Violation[] }[] = [
      { name: 'a body that is not an object', input: [], violations: [{ field: '(root)', reason: 'must be an object, got array' }] },
      {
        name: 'unknown top-level fields',
        input: { type: 'Zone', name: 'east', metadata: {}, status: {}, 'x-y': 1 },
        violations: [
          { field: 'metadata', reason: 'unknown field' },
          { field: 'status', reason: 'unknown field' },
          { field: '"x-y"', reason: 'unknown field' },
        ],
      },
      {
        name: 'store fields that are not strings',
        input: { type: 'Zone', name: 'east', version: 17, creationTime: null },
        violations: [
          { field: 'version', reason: 'is read-only and set by the store; when sent it must be a string' },
          { field: 'creationTime', reason: 'is read-only and set by the store; when sent it must be a string' },
        ],
      },
      { name: 'a missing type', input: { name: 'east' }, violations: [{ field: 'type', reason: 'is required' }] },
      { name: 'an unknown type', input: { type: 'Zones', name: 'east' }, violations: [{ field: 'type', reason: "unknown resource type 'Zones'" }] },
      {
        name: 'a type that contradicts the path',
        input: { type: 'Zone', name: 'east' },
        expect: { type: 'Mesh', name: 'east' },
        violations: [{ field: 'type', reason: "must be 'Mesh' for this path, got 'Zone'" }],
      },
      {
        name: 'a name that contradicts the path',
        input: { type: 'Mesh', name: 'default' },
        expect: { type: 'Mesh', name: 'other' },
        violations: [{ field: 'name', reason: "must be 'other' to match the path, got 'default'" }],
      },
      {
        name: 'a mesh that contradicts the path',
        input: { type: 'Secret', mesh: 'default', name: 'a', spec: { data: 'aGk=' } },
        expect: { type: 'Secret', mesh: 'demo', name: 'a' },
        violations: [{ field: 'mesh', reason: "must be 'demo' to match the path, got 'default'" }],
      },
      {
        name: 'a missing mesh on a mesh-scoped type',
        input: { type: 'Dataplane', name: 'web-1', spec: dataplaneSpec },
        violations: [{ field: 'mesh', reason: 'is required' }],
      },
      {
        name: 'a mesh on a global type',
        input: { type: 'Mesh', mesh: 'default', name: 'default' },
        violations: [{ field: 'mesh', reason: 'must be absent: Mesh is not mesh-scoped' }],
      },
      {
        name: 'a mesh on a global secret',
        input: { type: 'GlobalSecret', mesh: 'default', name: 'signing-key-1', spec: { data: 'aGk=' } },
        violations: [{ field: 'mesh', reason: 'must be absent: GlobalSecret is not mesh-scoped' }],
      },
      {
        name: 'invalid names',
        input: { type: 'DataplaneInsight', mesh: 'Default', name: 'web_1' },
        violations: [
          { field: 'name', reason: BAD_NAME('web_1') },
          { field: 'mesh', reason: BAD_NAME('Default') },
        ],
      },
      {
        name: 'invalid labels',
        input: { type: 'Zone', name: 'east', labels: { 'mycel.io/zone': 'east west', '/x': 'a', ok: 1 } },
        violations: [
          {
            field: 'labels["mycel.io/zone"]',
            reason: "value must consist of alphanumeric characters, '-', '_' or '.', and start and end with an alphanumeric character, got 'east west'",
          },
          { field: 'labels["/x"]', reason: 'key prefix must not be empty' },
          { field: 'labels.ok', reason: 'must be a string, got number' },
        ],
      },
      {
        name: 'labels that are not an object',
        input: { type: 'Zone', name: 'east', labels: ['a=b'] },
        violations: [{ field: 'labels', reason: 'must be an object of string values, got array' }],
      },
      {
        name: 'an invalid spec, with paths from spec',
        input: { type: 'Dataplane', mesh: 'default', name: 'web-1', spec: { networking: { address: '10.0.0.1', inbound: [{ port: 80, tags: {} }] } } },
        violations: [{ field: 'spec.networking.inbound[0].tags["mycel.io/service"]', reason: 'is required' }],
      },
      {
        name: 'a missing spec where the type requires fields',
        input: { type: 'Secret', mesh: 'default', name: 'a' },
        violations: [{ field: 'spec.data', reason: 'is required' }],
      },
      {
        name: 'a null spec',
        input: { type: 'Zone', name: 'east', spec: null },
        violations: [{ field: 'spec', reason: 'must be an object, got null' }],
      },
      {
        name: 'envelope and spec problems together, even without a name',
        input: { type: 'Mesh', mesh: 'x', labels: { 'a b': 'c' }, spec: { mtls: { mode: 'on' } } },
        violations: [
          { field: 'name', reason: 'is required' },
          { field: 'mesh', reason: 'must be absent: Mesh is not mesh-scoped' },
          {
            field: 'labels["a b"]',
            reason: "key name must consist of alphanumeric characters, '-', '_' or '.', and start and end with an alphanumeric character",
          },
          { field: 'spec.mtls.mode', reason: "must be one of 'PERMISSIVE', 'STRICT', got 'on'" },
        ],
      },
    ];
    for (const c of cases) {
      it(c.name, () => assertViolations(violations(c.input, c.expect), c.violations));
    }
  });
});
