import assert from 'node:assert/strict';
import type { DataplaneInsightSpec } from './dataplane-insight.type';
import { DataplaneInsightType } from './dataplane-insight.type';
import { specTable } from '@mycel/testing';

const CLUSTER = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const RFC3339 = (got: string) => `must be an RFC 3339 timestamp such as '2024-05-01T12:00:00Z', got '${got}'`;
const sub = { id: 'a1', controlPlaneInstanceId: 'cp-0', connectTime: '2024-05-01T12:00:00Z' };

const FULL: DataplaneInsightSpec = {
  online: true,
  subscriptions: [
    { ...sub, disconnectTime: '2024-05-01T12:30:00.123456789+02:00' },
    {
      id: 'b2',
      controlPlaneInstanceId: 'cp-1',
      connectTime: '2024-05-01T13:00:00Z',
      status: {
        lastUpdateTime: '2024-05-01T13:00:05.5Z',
        total: { responsesSent: 12, responsesAcknowledged: 11, responsesRejected: 1 },
        perType: {
          [CLUSTER]: { ackedVersion: 'abc', lastNack: { version: 'def', nonce: '7', errorDetail: 'bad cluster', time: '2024-05-01T13:00:04Z' } },
          'type.googleapis.com/envoy.config.listener.v3.Listener': { ackedVersion: '' },
        },
      },
    },
  ],
};

describe('DataplaneInsight', () => {
  it('is a read-only mesh type synced from zones to global', () => {
    assert.equal(DataplaneInsightType.name, 'DataplaneInsight');
    assert.equal(DataplaneInsightType.plural, 'dataplane-insights');
    assert.equal(DataplaneInsightType.singular, 'dataplane-insight');
    assert.equal(DataplaneInsightType.scope, 'mesh');
    assert.deepEqual(DataplaneInsightType.kds, { globalToZone: false, zoneToGlobal: true, acrossZones: false });
    assert.equal(DataplaneInsightType.readOnly, true);
    assert.equal(DataplaneInsightType.sensitive, false);
  });

  specTable(
    (spec) => DataplaneInsightType.validate(spec, { name: 'web-1', mesh: 'default', labels: {} }),
    [
      { name: 'an empty spec', spec: {} },
      { name: 'no subscriptions, offline', spec: { subscriptions: [], online: false } },
      { name: 'a minimal subscription', spec: { subscriptions: [sub] } },
      { name: 'every field filled in', spec: FULL },
      { name: 'a leap second and a leap day', spec: { subscriptions: [{ ...sub, connectTime: '2016-12-31T23:59:60Z', disconnectTime: '2024-02-29t00:00:00z' }] } },
    ],
    [
      { name: 'subscriptions that are not a list', spec: { subscriptions: {} }, violations: [{ field: 'spec.subscriptions', reason: 'must be an array, got object' }] },
      {
        name: 'a subscription without its required fields',
        spec: { subscriptions: [{}] },
        violations: [
          { field: 'spec.subscriptions[0].id', reason: 'is required' },
          { field: 'spec.subscriptions[0].controlPlaneInstanceId', reason: 'is required' },
          { field: 'spec.subscriptions[0].connectTime', reason: 'is required' },
        ],
      },
      {
        name: 'timestamps that are not RFC 3339',
        spec: {
          subscriptions: [
            { ...sub, connectTime: 'yesterday', disconnectTime: '2024-05-01T12:00:00' },
            { ...sub, connectTime: '2023-02-29T00:00:00Z', disconnectTime: '2024-05-01 12:00:00Z', status: { lastUpdateTime: '2024-13-01T00:00:00Z' } },
            { ...sub, connectTime: '2024-05-01T24:00:00Z', disconnectTime: 1714564800 },
          ],
        },
        violations: [
          { field: 'spec.subscriptions[0].connectTime', reason: RFC3339('yesterday') },
          { field: 'spec.subscriptions[0].disconnectTime', reason: RFC3339('2024-05-01T12:00:00') },
          { field: 'spec.subscriptions[1].connectTime', reason: RFC3339('2023-02-29T00:00:00Z') },
          { field: 'spec.subscriptions[1].disconnectTime', reason: RFC3339('2024-05-01 12:00:00Z') },
          { field: 'spec.subscriptions[1].status.lastUpdateTime', reason: RFC3339('2024-13-01T00:00:00Z') },
          { field: 'spec.subscriptions[2].connectTime', reason: RFC3339('2024-05-01T24:00:00Z') },
          { field: 'spec.subscriptions[2].disconnectTime', reason: 'must be a string, got number' },
        ],
      },
      {
        name: 'bad counters',
        spec: { subscriptions: [{ ...sub, status: { total: { responsesSent: -1, responsesAcknowledged: 1.5, responsesRejected: '0', responsesIgnored: 0 } } }] },
        violations: [
          { field: 'spec.subscriptions[0].status.total.responsesSent', reason: 'must be between 0 and 9007199254740991, got -1' },
          { field: 'spec.subscriptions[0].status.total.responsesAcknowledged', reason: 'must be an integer, got 1.5' },
          { field: 'spec.subscriptions[0].status.total.responsesRejected', reason: 'must be an integer, got string' },
          { field: 'spec.subscriptions[0].status.total.responsesIgnored', reason: 'unknown field' },
        ],
      },
      {
        name: 'bad per-type status',
        spec: {
          subscriptions: [
            {
              ...sub,
              status: {
                perType: {
                  [CLUSTER]: { ackedVersion: 3, lastNack: { nonce: 7, time: 'now', reason: 'x' }, pending: true },
                  '': {},
                  'type.googleapis.com/envoy.config.route.v3.RouteConfiguration': 'acked',
                },
              },
            },
          ],
        },
        violations: [
          { field: `spec.subscriptions[0].status.perType["${CLUSTER}"].pending`, reason: 'unknown field' },
          { field: `spec.subscriptions[0].status.perType["${CLUSTER}"].ackedVersion`, reason: 'must be a string, got number' },
          { field: `spec.subscriptions[0].status.perType["${CLUSTER}"].lastNack.reason`, reason: 'unknown field' },
          { field: `spec.subscriptions[0].status.perType["${CLUSTER}"].lastNack.nonce`, reason: 'must be a string, got number' },
          { field: `spec.subscriptions[0].status.perType["${CLUSTER}"].lastNack.time`, reason: RFC3339('now') },
          { field: 'spec.subscriptions[0].status.perType[""]', reason: 'key must not be empty' },
          { field: 'spec.subscriptions[0].status.perType["type.googleapis.com/envoy.config.route.v3.RouteConfiguration"]', reason: 'must be an object, got string' },
        ],
      },
      {
        name: 'unknown fields and a non-boolean online',
        spec: { online: 'yes', version: {}, subscriptions: [{ ...sub, generation: 1, status: { lastUpdateTime: '2024-05-01T12:00:00Z', stat: {} } }] },
        violations: [
          { field: 'spec.online', reason: 'must be a boolean, got string' },
          { field: 'spec.version', reason: 'unknown field' },
          { field: 'spec.subscriptions[0].generation', reason: 'unknown field' },
          { field: 'spec.subscriptions[0].status.stat', reason: 'unknown field' },
        ],
      },
      {
        name: 'a per-type map that is not an object',
        spec: { subscriptions: [{ ...sub, status: { perType: [] } }] },
        violations: [{ field: 'spec.subscriptions[0].status.perType', reason: 'must be an object, got array' }],
      },
    ],
  );
});
