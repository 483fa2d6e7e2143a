import assert from 'node:assert/strict';
import { specTable } from '@mycel/testing';
import type { MeshTimeoutSpec } from './mesh-timeout.type';
import { MeshTimeoutType } from './mesh-timeout.type';

const validate = (spec: unknown) => MeshTimeoutType.validate(spec, { name: 't', mesh: 'default', labels: {} });
const DURATION = (text: string) => `must be a duration such as '500ms', '10s', '5m' or '24h', got '${text}'`;

const FULL: MeshTimeoutSpec = {
  targetRef: { kind: 'MeshSubset', tags: { version: 'v1' } },
  to: [
    {
      targetRef: { kind: 'Mesh' },
      default: {
        connectionTimeout: '2s',
        idleTimeout: '1h',
        http: { requestTimeout: '15s', streamIdleTimeout: '30m', maxStreamDuration: '0s', maxConnectionDuration: '1h30m', requestHeadersTimeout: '500ms' },
      },
    },
    { targetRef: { kind: 'MeshService', name: 'backend' }, default: { http: { requestTimeout: '3s' } } },
  ],
  from: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '0s' } }],
};

describe('MeshTimeout', () => {
  it('is a mesh-scoped policy type with Kuma’s plural', () => {
    assert.equal(MeshTimeoutType.name, 'MeshTimeout');
    assert.equal(MeshTimeoutType.plural, 'meshtimeouts');
    assert.equal(MeshTimeoutType.singular, 'meshtimeout');
  });

  specTable(
    validate,
    [
      { name: 'every field', spec: FULL },
      { name: 'no top-level targetRef (Mesh)', spec: { to: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '5m' } }] } },
      { name: 'rules for inbound traffic', spec: { targetRef: { kind: 'Dataplane', name: 'web-1' }, rules: [{ default: { http: { requestTimeout: '1s' } } }] } },
      { name: 'a Dataplane selected by labels', spec: { targetRef: { kind: 'Dataplane', labels: { team: 'a' } }, from: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '1s' } }] } },
      { name: 'fractional and compound durations', spec: { to: [{ targetRef: { kind: 'Mesh' }, default: { connectionTimeout: '1.5s', idleTimeout: '1h30m' } }] } },
    ],
    [
      { name: 'a spec that is not an object', spec: 'x', violations: [{ field: 'spec', reason: 'must be an object, got string' }] },
      { name: 'no entries at all', spec: { targetRef: { kind: 'Mesh' } }, violations: [{ field: 'spec', reason: 'must have at least one entry in to, from or rules' }] },
      { name: 'only empty lists', spec: { to: [], from: [] }, violations: [{ field: 'spec', reason: 'must have at least one entry in to, from or rules' }] },
      {
        name: 'unknown fields at every level',
        spec: { targetRef: { kind: 'Mesh' }, default: {}, to: [{ targetRef: { kind: 'Mesh' }, default: { idle: '1s', http: { timeout: '1s' } }, extra: 1 }] },
        violations: [
          { field: 'spec.default', reason: 'unknown field' },
          { field: 'spec.to[0].extra', reason: 'unknown field' },
          { field: 'spec.to[0].default.idle', reason: 'unknown field' },
          { field: 'spec.to[0].default.http.timeout', reason: 'unknown field' },
          {
            field: 'spec.to[0].default.http',
            reason: 'must set at least one of requestTimeout, streamIdleTimeout, maxStreamDuration, maxConnectionDuration, requestHeadersTimeout',
          },
        ],
      },
      {
        name: 'targetRef kinds a position does not allow',
        spec: {
          targetRef: { kind: 'MeshGateway' },
          to: [{ targetRef: { kind: 'Dataplane', name: 'a' }, default: { idleTimeout: '1s' } }],
          from: [{ targetRef: { kind: 'MeshService', name: 'a' }, default: { idleTimeout: '1s' } }],
        },
        violations: [
          { field: 'spec.targetRef.kind', reason: "must be one of 'Mesh', 'MeshSubset', 'MeshService', 'Dataplane', got 'MeshGateway'" },
          { field: 'spec.to[0].targetRef.kind', reason: "must be one of 'Mesh', 'MeshService', got 'Dataplane'" },
          { field: 'spec.from[0].targetRef.kind', reason: "must be one of 'Mesh', got 'MeshService'" },
        ],
      },
      {
        name: 'entries without targetRef or default',
        spec: { to: [{ default: { idleTimeout: '1s' } }, { targetRef: { kind: 'Mesh' } }], rules: [{ default: null }] },
        violations: [
          { field: 'spec.to[0].targetRef', reason: 'is required' },
          { field: 'spec.to[1].default', reason: 'is required' },
          { field: 'spec.rules[0].default', reason: 'is required' },
        ],
      },
      {
        name: 'an empty default',
        spec: { to: [{ targetRef: { kind: 'Mesh' }, default: {} }] },
        violations: [{ field: 'spec.to[0].default', reason: 'must set at least one of connectionTimeout, idleTimeout, http' }],
      },
      {
        name: 'rules[] entries with a targetRef',
        spec: { rules: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '1s' } }] },
        violations: [{ field: 'spec.rules[0].targetRef', reason: 'unknown field' }],
      },
      {
        name: 'from combined with rules',
        spec: { from: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '1s' } }], rules: [{ default: { idleTimeout: '2s' } }] },
        violations: [{ field: 'spec.rules', reason: 'must not be combined with from: both configure inbound traffic' }],
      },
      {
        name: 'bad durations, a zero connect timeout and wrong types',
        spec: {
          to: [
            {
              targetRef: { kind: 'Mesh' },
              default: { connectionTimeout: '0s', idleTimeout: 5, http: { requestTimeout: '10 s', streamIdleTimeout: '-1s', maxStreamDuration: '', requestHeadersTimeout: '1w' } },
            },
          ],
        },
        violations: [
          { field: 'spec.to[0].default.connectionTimeout', reason: "must be greater than 0, got '0s'" },
          { field: 'spec.to[0].default.idleTimeout', reason: 'must be a string, got number' },
          { field: 'spec.to[0].default.http.requestTimeout', reason: DURATION('10 s') },
          { field: 'spec.to[0].default.http.streamIdleTimeout', reason: DURATION('-1s') },
          { field: 'spec.to[0].default.http.maxStreamDuration', reason: 'must not be empty' },
          { field: 'spec.to[0].default.http.requestHeadersTimeout', reason: DURATION('1w') },
        ],
      },
      {
        name: 'a duration longer than ten years',
        spec: { to: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '3651d' } }] },
        violations: [{ field: 'spec.to[0].default.idleTimeout', reason: 'must be between 0ms and 315360000000ms, got 315446400000ms' }],
      },
      {
        name: 'lists that are not lists',
        spec: { to: {}, from: 'x', rules: null },
        violations: [
          { field: 'spec.to', reason: 'must be an array, got object' },
          { field: 'spec.from', reason: 'must be an array, got string' },
          { field: 'spec.rules', reason: 'must be an array, got null' },
        ],
      },
    ],
  );
});
