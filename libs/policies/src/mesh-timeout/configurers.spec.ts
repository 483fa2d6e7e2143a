import assert from 'node:assert/strict';
import type { JsonObject } from '@mycel/core';
import { edsCluster, httpConnectionManagerFilter, routeConfiguration, routerFilter, tcpProxyFilter } from '@mycel/xds';
import { configureClusterTimeouts } from './cluster.configurer';
import { configureListenerTimeouts } from './listener.configurer';
import { configureProxylessRouteTimeouts, configureRouteTimeouts, proxylessTimeoutMs } from './route.configurer';

const HPO = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

function options(cluster: JsonObject): JsonObject | undefined {
  return (cluster['typed_extension_protocol_options'] as Record<string, JsonObject> | undefined)?.[HPO];
}

function rc(): JsonObject {
  return routeConfiguration('outbound:a', 'a', ['*'], [
    { match: { prefix: '/x' }, redirect: { path_redirect: '/y' } },
    { match: { prefix: '/' }, route: { cluster: 'a' } },
  ]);
}

describe('MeshTimeout configurers', () => {
  describe('cluster', () => {
    it('sets connect_timeout and creates HTTP/1.1 options for an http cluster', () => {
      const cluster = edsCluster('a', 'http');
      configureClusterTimeouts(cluster, 'http', { connectionTimeout: '250ms', idleTimeout: '1m', http: { maxStreamDuration: '0s', maxConnectionDuration: '1h' } });
      assert.deepEqual(cluster['connect_timeout'], { seconds: 0, nanos: 250_000_000 });
      assert.deepEqual(options(cluster), {
        '@type': `type.googleapis.com/${HPO}`,
        explicit_http_config: { http_protocol_options: {} },
        common_http_protocol_options: { idle_timeout: { seconds: 60 }, max_stream_duration: { seconds: 0 }, max_connection_duration: { seconds: 3600 } },
      });
    });

    it('keeps the HTTP/2 options of an http2 or grpc cluster', () => {
      const cluster = edsCluster('a', 'grpc');
      configureClusterTimeouts(cluster, 'grpc', { idleTimeout: '5s' });
      assert.deepEqual(options(cluster)?.['explicit_http_config'], { http2_protocol_options: {} });
      assert.deepEqual(options(cluster)?.['common_http_protocol_options'], { idle_timeout: { seconds: 5 } });
    });

    it('sets only the connect timeout on a tcp cluster, and nothing for absent fields', () => {
      const tcp = edsCluster('a', 'tcp');
      configureClusterTimeouts(tcp, 'tcp', { connectionTimeout: '3s', idleTimeout: '1m' });
      assert.deepEqual(tcp['connect_timeout'], { seconds: 3 });
      assert.equal(tcp['typed_extension_protocol_options'], undefined);
      const untouched = edsCluster('b', 'http');
      const before = JSON.stringify(untouched);
      configureClusterTimeouts(untouched, 'http', { http: { requestTimeout: '1s' } });
      assert.equal(JSON.stringify(untouched), before);
    });
  });

  describe('listener', () => {
    const hcmListener = (): JsonObject => ({
      name: 'l',
      filter_chains: [{ filters: [httpConnectionManagerFilter({ stat_prefix: 'l', route_config: rc(), http_filters: [routerFilter()] })] }],
    });
    const hcmOf = (l: JsonObject): JsonObject => ((l['filter_chains'] as JsonObject[])[0]?.['filters'] as JsonObject[])[0]?.['typed_config'] as JsonObject;
    const conf = { idleTimeout: '1m', http: { streamIdleTimeout: '10s', requestHeadersTimeout: '2s', requestTimeout: '5s' } };

    it('sets request header timeouts only on inbound listeners', () => {
      const inbound = hcmListener();
      configureListenerTimeouts(inbound, 'inbound', conf);
      assert.deepEqual(hcmOf(inbound)['stream_idle_timeout'], { seconds: 10 });
      assert.deepEqual(hcmOf(inbound)['request_headers_timeout'], { seconds: 2 });
      const outbound = hcmListener();
      configureListenerTimeouts(outbound, 'outbound', conf);
      assert.equal(hcmOf(outbound)['request_headers_timeout'], undefined);
    });

    it('sets the timeout of inline forwarding routes, not of redirects', () => {
      const l = hcmListener();
      configureListenerTimeouts(l, 'inbound', conf);
      const routes = ((hcmOf(l)['route_config'] as JsonObject)['virtual_hosts'] as JsonObject[])[0]?.['routes'] as JsonObject[];
      assert.deepEqual(routes[0], { match: { prefix: '/x' }, redirect: { path_redirect: '/y' } });
      assert.deepEqual(routes[1]?.['route'], { cluster: 'a', timeout: { seconds: 5 } });
    });

    it('sets the TcpProxy idle timeout', () => {
      const l: JsonObject = { name: 'l', filter_chains: [{ filters: [tcpProxyFilter('a', 'a')] }] };
      configureListenerTimeouts(l, 'outbound', conf);
      assert.deepEqual(hcmOf(l)['idle_timeout'], { seconds: 60 });
    });
  });

  describe('routes', () => {
    it('Envoy: route timeout from requestTimeout, 0s kept (disables Envoy’s 15s default)', () => {
      const r = rc();
      configureRouteTimeouts(r, { http: { requestTimeout: '0s' } });
      assert.deepEqual(((r['virtual_hosts'] as JsonObject[])[0]?.['routes'] as JsonObject[])[1]?.['route'], { cluster: 'a', timeout: { seconds: 0 } });
    });

    it('proxyless: the smallest positive of requestTimeout and maxStreamDuration', () => {
      const table: [object, number | undefined][] = [
        [{}, undefined],
        [{ http: { requestTimeout: '2s' } }, 2000],
        [{ http: { maxStreamDuration: '500ms' } }, 500],
        [{ http: { requestTimeout: '2s', maxStreamDuration: '500ms' } }, 500],
        [{ http: { requestTimeout: '0s', maxStreamDuration: '3s' } }, 3000],
        [{ http: { requestTimeout: '0s' } }, undefined],
        [{ idleTimeout: '1s' }, undefined],
      ];
      for (const [conf, ms] of table) assert.equal(proxylessTimeoutMs(conf), ms, JSON.stringify(conf));
      const r = rc();
      configureProxylessRouteTimeouts(r, { http: { requestTimeout: '1.5s' } });
      assert.deepEqual(((r['virtual_hosts'] as JsonObject[])[0]?.['routes'] as JsonObject[])[1]?.['route'], {
        cluster: 'a',
        max_stream_duration: { max_stream_duration: { seconds: 1, nanos: 500_000_000 } },
      });
    });
  });
});
