import assert from 'node:assert/strict';
import type { Resource } from '@mycel/core';
import { assertGolden } from './golden-file.test-helper';
import { insightKey, renderResourceTable, tableLayout } from './resource-tables';
import { NOW, ago, dataplane, dataplaneInsight, gateway, resource, typeInfo } from './table-fixtures.test-helper';

describe('resource tables', () => {
  it('meshes: NAME, MTLS, METRICS, TRACING, LOGGING, AGE with each enabled backend as type/name', () => {
    const meshes = [
      resource('Mesh', 'default', {}, { createdAgo: 4 * 86400 }),
      resource(
        'Mesh',
        'payments',
        {
          mtls: { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin' }] },
          metrics: { enabledBackend: 'prom', backends: [{ name: 'prom', type: 'prometheus' }] },
          tracing: { defaultBackend: 'zipkin-1', backends: [{ name: 'zipkin-1', type: 'zipkin', conf: { url: 'http://zipkin:9411' } }] },
          logging: { defaultBackend: 'file', backends: [{ name: 'file', type: 'file', conf: { path: '/tmp/log' } }] },
        },
        { createdAgo: 330 },
      ),
      resource('Mesh', 'half', { mtls: { backends: [{ name: 'ca-1', type: 'builtin' }] }, tracing: { defaultBackend: 'missing' } }, { createdAgo: 5 }),
    ];
    assertGolden('table-meshes', renderResourceTable(typeInfo('Mesh', 'meshes', 'global'), meshes, { now: NOW }));
  });

  it('dataplanes: MESH, NAME, TAGS (every inbound and gateway tag, sorted), STATUS from insights, AGE', () => {
    const dps = [
      dataplane('default', 'web-1', ['web'], 5, { version: 'v1' }),
      dataplane('default', 'multi', ['api', 'admin'], 3 * 3600),
      dataplane('default', 'never-connected', ['db'], 10 * 86400),
      gateway('edge', 'gw-1', 'edge-gateway'),
    ];
    const insights = new Map<string, Resource>([
      [insightKey('default', 'web-1'), dataplaneInsight('default', 'web-1', 'online')],
      [insightKey('default', 'multi'), dataplaneInsight('default', 'multi', 'offline')],
      [insightKey('edge', 'gw-1'), dataplaneInsight('edge', 'gw-1', 'flag-online')],
    ]);
    const type = typeInfo('Dataplane', 'dataplanes', 'mesh');
    assertGolden('table-dataplanes', renderResourceTable(type, dps, { now: NOW, insights }));
    // Without insight data (a control plane without the insight type) STATUS is unknown, not offline.
    assert.match(renderResourceTable(type, dps.slice(0, 1), { now: NOW }), /web-1 .* -\s+5s\n$/);
  });

  it('dataplane insights: status, last connection and update, xDS counters', () => {
    const insights = [dataplaneInsight('default', 'web-1', 'online', { connectedAgo: 7200, sent: 40, rejected: 2 }), dataplaneInsight('default', 'web-2', 'offline')];
    assertGolden('table-dataplane-insights', renderResourceTable(typeInfo('DataplaneInsight', 'dataplane-insights', 'mesh', { readOnly: true }), insights, { now: NOW }));
  });

  it('zones: NAME, ENABLED (true unless false), STATUS from zone insights, AGE', () => {
    const zones = [resource('Zone', 'east', {}, { createdAgo: 100 }), resource('Zone', 'west', { enabled: false }, { createdAgo: 200 })];
    const insights = new Map<string, Resource>([
      ['east', resource('ZoneInsight', 'east', { subscriptions: [{ id: 'a', globalInstanceId: 'g', connectTime: ago(50) }] })],
      ['west', resource('ZoneInsight', 'west', { subscriptions: [{ id: 'a', globalInstanceId: 'g', connectTime: ago(150), disconnectTime: ago(20) }] })],
    ]);
    const type = typeInfo('Zone', 'zones', 'global');
    assert.equal(tableLayout(type).insightType, 'ZoneInsight');
    assertGolden('table-zones', renderResourceTable(type, zones, { now: NOW, insights }));
    assertGolden('table-zone-insights', renderResourceTable(typeInfo('ZoneInsight', 'zone-insights', 'global'), [...insights.values()], { now: NOW }));
  });

  it('other types use NAME, MESH (mesh-scoped only), AGE, VERSION', () => {
    const secrets = [resource('Secret', 'ca-cert', { data: 'eA==' }, { mesh: 'default', createdAgo: 90000, version: '3' }), resource('Secret', 'ca-key', { data: 'eQ==' }, { mesh: 'payments', createdAgo: 59 })];
    assertGolden('table-secrets', renderResourceTable(typeInfo('Secret', 'secrets', 'mesh', { sensitive: true }), secrets, { now: NOW }));
    const globalSecrets = [resource('GlobalSecret', 'user-token-signing-key-1', { data: 'eA==' }, { createdAgo: 45 * 86400 })];
    assertGolden('table-global-secrets', renderResourceTable(typeInfo('GlobalSecret', 'global-secrets', 'global'), globalSecrets, { now: NOW }));
    // A type this client has never heard of (served by a newer control plane) still gets a table.
    const policies = [resource('MeshTimeout', 'timeout-all', { targetRef: {} }, { mesh: 'default', createdAgo: 700, version: '12' })];
    assertGolden('table-generic-policy', renderResourceTable(typeInfo('MeshTimeout', 'meshtimeouts', 'mesh', { policy: true }), policies, { now: NOW }));
  });
});
