import assert from 'node:assert/strict';
import type { JsonObject } from '@mycel/core';
import { packAny } from '../envoy/encode';
import { EnvoyTypes } from '../envoy/type-names';
import { TypeUrl } from '../resource-types';
import { SnapshotInconsistencyError, assertConsistent, checkConsistency } from './consistency';
import { ALL_DATAPLANES, LOCAL_ZONE, MESH, frontend1, proxyOf } from './fixtures.test-helper';
import { generateResources, generateSnapshot } from './generate';
import { buildMeshContext } from './proxy';
import { ResourceSet } from './resource-set';

function listener(name: string, typedConfig: JsonObject): JsonObject {
  return { name, filter_chains: [{ filters: [{ name: 'f', typed_config: typedConfig }] }] };
}

const ads = { ads: {}, resource_api_version: 'V3' };

function pairs(violations: readonly { field: string; reason: string }[]): [string, string][] {
  return violations.map((v) => [v.field, v.reason]);
}

describe('snapshot consistency', () => {
  it('accepts a set whose references all resolve', () => {
    const set = new ResourceSet()
      .add(TypeUrl.listener, listener('l', packAny(EnvoyTypes.httpConnectionManager, { stat_prefix: 's', rds: { config_source: ads, route_config_name: 'r' } })))
      .add(TypeUrl.route, { name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c' } }] }] })
      .add(TypeUrl.cluster, { name: 'c', type: 'EDS', eds_cluster_config: { eds_config: ads } })
      .add(TypeUrl.endpoint, { cluster_name: 'c' });
    assert.deepEqual(checkConsistency(set), []);
    assertConsistent(set);
  });

  it('reports every dangling cluster, ClusterLoadAssignment, route configuration and secret', () => {
    const set = new ResourceSet()
      .add(TypeUrl.listener, listener('tcp', packAny(EnvoyTypes.tcpProxy, { stat_prefix: 's', cluster: 'missing-tcp' })))
      .add(
        TypeUrl.listener,
        listener('weighted', packAny(EnvoyTypes.tcpProxy, { stat_prefix: 's', weighted_clusters: { clusters: [{ name: 'c', weight: 1 }, { name: 'missing-w', weight: 1 }] } })),
      )
      .add(TypeUrl.listener, listener('rds', packAny(EnvoyTypes.httpConnectionManager, { stat_prefix: 's', rds: { config_source: ads, route_config_name: 'missing-route' } })))
      .add(TypeUrl.route, {
        name: 'r',
        virtual_hosts: [
          {
            name: 'v',
            domains: ['*'],
            routes: [
              { match: { prefix: '/a' }, route: { cluster: 'missing-route-cluster', request_mirror_policies: [{ cluster: 'missing-mirror' }] } },
              { match: { prefix: '/b' }, route: { weighted_clusters: { clusters: [{ name: 'missing-weighted', weight: 1 }] } } },
            ],
          },
        ],
      })
      .add(TypeUrl.cluster, { name: 'c', type: 'EDS', eds_cluster_config: { eds_config: ads } })
      .add(TypeUrl.cluster, { name: 'named', type: 'EDS', eds_cluster_config: { eds_config: ads, service_name: 'svc' } })
      .add(TypeUrl.cluster, {
        name: 'tls',
        type: 'STATIC',
        transport_socket: {
          name: 'envoy.transport_sockets.tls',
          typed_config: packAny('envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext', { common_tls_context: { tls_certificate_sds_secret_configs: [{ name: 'identity_cert:default', sds_config: ads }] } }),
        },
      });
    assert.deepEqual(
      checkConsistency(set).map((v) => `${v.field} → ${v.reason}`),
      [
        "Cluster 'c' → references ClusterLoadAssignment 'c', which is not in the snapshot",
        "Cluster 'named' → references ClusterLoadAssignment 'svc', which is not in the snapshot",
        "Cluster 'tls' transport_socket.typed_config.common_tls_context.tls_certificate_sds_secret_configs[0].name → references Secret 'identity_cert:default', which is not in the snapshot",
        "Listener 'rds' filter_chains[0].filters[0].typed_config.rds.route_config_name → references RouteConfiguration 'missing-route', which is not in the snapshot",
        "Listener 'tcp' filter_chains[0].filters[0].typed_config.cluster → references Cluster 'missing-tcp', which is not in the snapshot",
        "Listener 'weighted' filter_chains[0].filters[0].typed_config.weighted_clusters.clusters[1].name → references Cluster 'missing-w', which is not in the snapshot",
        "RouteConfiguration 'r' virtual_hosts[0].routes[0].route.cluster → references Cluster 'missing-route-cluster', which is not in the snapshot",
        "RouteConfiguration 'r' virtual_hosts[0].routes[0].route.request_mirror_policies[0].cluster → references Cluster 'missing-mirror', which is not in the snapshot",
        "RouteConfiguration 'r' virtual_hosts[0].routes[1].route.weighted_clusters.clusters[0].name → references Cluster 'missing-weighted', which is not in the snapshot",
      ],
    );
    assert.throws(() => assertConsistent(set), (err: unknown) => err instanceof SnapshotInconsistencyError && err.violations.length === 9);
  });

  it('ignores references that are not served over ADS (inline route configs, STATIC clusters, non-ADS sources)', () => {
    const set = new ResourceSet()
      .add(TypeUrl.listener, listener('rds', packAny(EnvoyTypes.httpConnectionManager, { stat_prefix: 's', rds: { config_source: { path_config_source: { path: '/x' } }, route_config_name: 'elsewhere' } })))
      .add(TypeUrl.cluster, { name: 'eds-elsewhere', type: 'EDS', eds_cluster_config: { eds_config: { path_config_source: { path: '/y' } } } });
    assert.deepEqual(checkConsistency(set), []);
  });

  it('reports two listeners binding one socket (IPv6 spellings compared canonically)', () => {
    const at = (name: string, address: string, port: number, extra: JsonObject = {}): JsonObject => ({ name, address: { socket_address: { address, port_value: port } }, ...extra });
    const set = new ResourceSet()
      .add(TypeUrl.listener, at('a', '::1', 80))
      .add(TypeUrl.listener, at('b', '0:0:0:0:0:0:0:1', 80))
      .add(TypeUrl.listener, at('c', '::1', 81))
      .add(TypeUrl.listener, at('d', '::1', 80, { bind_to_port: { value: false } }))
      .add(TypeUrl.listener, at('e', '::1', 80, { address: { socket_address: { address: '::1', port_value: 80, protocol: 'UDP' } } }));
    assert.deepEqual(pairs(checkConsistency(set)), [["Listener 'b' address", "binds [::1]:80/TCP, which Listener 'a' already binds (Envoy rejects the second)"]]);
  });

  it('finds nothing amiss in generated resources, and catches a cluster a plugin dropped', () => {
    const ctx = buildMeshContext(MESH, ALL_DATAPLANES, LOCAL_ZONE);
    const set = generateResources(proxyOf(frontend1), ctx);
    assert.deepEqual(checkConsistency(set), []);
    set.remove(TypeUrl.cluster, 'redis');
    assert.deepEqual(
      checkConsistency(set).map((v) => v.field),
      ["Listener 'outbound:127.0.0.1:10002' filter_chains[0].filters[0].typed_config.cluster"],
    );
    // generateSnapshot runs the same check before encoding, and its own output passes it.
    assert.doesNotThrow(() => generateSnapshot(proxyOf(frontend1), ctx));
  });
});
