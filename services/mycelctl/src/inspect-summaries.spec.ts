import assert from 'node:assert/strict';
import type { Resource } from '@mycel/core';
import { assertGolden } from './golden-file.test-helper';
import {
  renderDataplanesTable,
  renderMeshesTable,
  renderServicesTable,
  renderZonesTable,
  summarizeDataplane,
  summarizeMesh,
  summarizeServices,
  summarizeZone,
} from './inspect-summaries';
import { insightKey } from './resource-tables';
import { NOW, ago, dataplane, dataplaneInsight, gateway, resource } from './table-fixtures.test-helper';

describe('inspect summaries', () => {
  const dps = [
    dataplane('default', 'web-1', ['web']),
    dataplane('default', 'web-2', ['web']),
    dataplane('default', 'web-3', ['web']),
    dataplane('default', 'api-1', ['api', 'admin']),
    dataplane('payments', 'ledger-1', ['ledger']),
    dataplane('payments', 'ledger-2', ['ledger']),
    gateway('payments', 'gw', 'edge'),
  ];
  const insights = new Map<string, Resource>(
    [
      dataplaneInsight('default', 'web-1', 'online'),
      dataplaneInsight('default', 'web-2', 'offline'),
      dataplaneInsight('default', 'api-1', 'online'),
      dataplaneInsight('payments', 'gw', 'flag-online'),
    ].map((i) => [insightKey(i.mesh, i.name), i]),
  );

  it('counts dataplanes per service and mesh: online when all are, offline when none, else partially degraded', () => {
    const services = summarizeServices(dps, insights);
    assert.deepEqual(
      services.map((s) => [s.mesh, s.service, s.status, s.online, s.total]),
      [
        ['default', 'admin', 'online', 1, 1],
        ['default', 'api', 'online', 1, 1],
        ['default', 'web', 'partially_degraded', 1, 3],
        ['payments', 'edge', 'online', 1, 1],
        ['payments', 'ledger', 'offline', 0, 2],
      ],
    );
    assertGolden('inspect-services', renderServicesTable(services));
  });

  it('a service of the same name in two meshes is two services', () => {
    const s = summarizeServices([dataplane('a', 'x', ['web']), dataplane('b', 'x', ['web'])], new Map());
    assert.deepEqual(s.map((x) => `${x.mesh}/${x.service} ${x.online}/${x.total}`), ['a/web 0/1', 'b/web 0/1']);
  });

  it('summarises meshes: mTLS backend, services, dataplanes online/total, policies', () => {
    const meshDefault = resource('Mesh', 'default', {}, { createdAgo: 86400 * 3 });
    const payments = resource('Mesh', 'payments', { mtls: { enabledBackend: 'ca-1', backends: [{ name: 'ca-1', type: 'builtin' }] } }, { createdAgo: 3600 });
    const summaries = [
      summarizeMesh(meshDefault, dps.filter((d) => d.mesh === 'default'), insights, 0),
      summarizeMesh(payments, dps.filter((d) => d.mesh === 'payments'), insights, 4),
    ];
    assert.deepEqual(summaries[1], { name: 'payments', mtls: 'builtin/ca-1', services: 2, dataplanes: { online: 1, total: 3 }, policies: 4, creationTime: payments.creationTime });
    assertGolden('inspect-meshes', renderMeshesTable(summaries, NOW));
  });

  it('summarises dataplanes with their insight (none: offline, never connected)', () => {
    const summaries = dps.slice(0, 4).map((d) => summarizeDataplane(d, insights.get(insightKey(d.mesh, d.name))));
    assert.equal(summaries[2]?.status, 'offline');
    assert.equal(summaries[2]?.lastConnected, undefined);
    assertGolden('inspect-dataplanes', renderDataplanesTable(summaries, NOW));
  });

  it('summarises zones with their insight', () => {
    const east = resource('Zone', 'east', {}, { createdAgo: 7200 });
    const summaries = [
      summarizeZone(east, resource('ZoneInsight', 'east', { subscriptions: [{ id: 'a', globalInstanceId: 'g', connectTime: ago(1800) }] })),
      summarizeZone(resource('Zone', 'west', { enabled: false }, { createdAgo: 60 }), undefined),
    ];
    assert.deepEqual(summaries[0], { name: 'east', enabled: true, status: 'online', lastConnected: ago(1800), creationTime: east.creationTime });
    assertGolden('inspect-zones', renderZonesTable(summaries, NOW));
  });
});
