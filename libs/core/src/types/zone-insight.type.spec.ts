import assert from 'node:assert/strict';
import { specTable } from '@mycel/testing';
import type { ZoneInsightSpec } from './zone-insight.type';
import { ZoneInsightType } from './zone-insight.type';

const RFC3339 = (got: string) => `must be an RFC 3339 timestamp such as '2024-05-01T12:00:00Z', got '${got}'`;
const sub = { id: 's1', globalInstanceId: 'global-0', connectTime: '2024-05-01T12:00:00Z' };

const FULL: ZoneInsightSpec = {
  subscriptions: [
    { ...sub, disconnectTime: '2024-05-01T12:10:00-07:00', config: '' },
    {
      id: 's2',
      globalInstanceId: 'global-1',
      connectTime: '2024-05-01T12:11:00Z',
      config: '{"mode":"zone","zone":"east"}',
      status: { lastUpdateTime: '2024-05-01T12:12:00Z', stat: { Dataplane: { responsesSent: 3, responsesAcknowledged: 3 }, Mesh: {} } },
    },
  ],
};

describe('ZoneInsight', () => {
  it('is a read-only global type synced from zones to global', () => {
    assert.equal(ZoneInsightType.name, 'ZoneInsight');
    assert.equal(ZoneInsightType.plural, 'zone-insights');
    assert.equal(ZoneInsightType.singular, 'zone-insight');
    assert.equal(ZoneInsightType.scope, 'global');
    assert.deepEqual(ZoneInsightType.kds, { globalToZone: false, zoneToGlobal: true, acrossZones: false });
    assert.equal(ZoneInsightType.readOnly, true);
    assert.equal(ZoneInsightType.sensitive, false);
  });

  specTable(
    (spec) => ZoneInsightType.validate(spec, { name: 'east', labels: {} }),
    [
      { name: 'an empty spec', spec: {} },
      { name: 'a minimal subscription', spec: { subscriptions: [sub] } },
      { name: 'every field filled in', spec: FULL },
    ],
    [
      {
        name: 'a subscription without its required fields',
        spec: { subscriptions: [{ id: '', config: 7 }] },
        violations: [
          { field: 'spec.subscriptions[0].id', reason: 'must not be empty' },
          { field: 'spec.subscriptions[0].globalInstanceId', reason: 'is required' },
          { field: 'spec.subscriptions[0].connectTime', reason: 'is required' },
          { field: 'spec.subscriptions[0].config', reason: 'must be a string, got number' },
        ],
      },
      {
        name: 'bad timestamps',
        spec: { subscriptions: [{ ...sub, connectTime: '2024-04-31T00:00:00Z', disconnectTime: '2024-05-01T12:00:00+24:00', status: { lastUpdateTime: '' } }] },
        violations: [
          { field: 'spec.subscriptions[0].connectTime', reason: RFC3339('2024-04-31T00:00:00Z') },
          { field: 'spec.subscriptions[0].disconnectTime', reason: RFC3339('2024-05-01T12:00:00+24:00') },
          { field: 'spec.subscriptions[0].status.lastUpdateTime', reason: 'must not be empty' },
        ],
      },
      {
        name: 'bad stats',
        spec: { subscriptions: [{ ...sub, status: { stat: { Dataplane: { responsesSent: -2, responsesRejected: 1 }, Mesh: 4 } } }] },
        violations: [
          { field: 'spec.subscriptions[0].status.stat.Dataplane.responsesSent', reason: 'must be between 0 and 9007199254740991, got -2' },
          { field: 'spec.subscriptions[0].status.stat.Dataplane.responsesRejected', reason: 'unknown field' },
          { field: 'spec.subscriptions[0].status.stat.Mesh', reason: 'must be an object, got number' },
        ],
      },
      {
        name: 'unknown fields',
        spec: { online: true, subscriptions: [{ ...sub, controlPlaneInstanceId: 'x', status: { total: {} } }] },
        violations: [
          { field: 'spec.online', reason: 'unknown field' },
          { field: 'spec.subscriptions[0].controlPlaneInstanceId', reason: 'unknown field' },
          { field: 'spec.subscriptions[0].status.total', reason: 'unknown field' },
        ],
      },
    ],
  );
});
