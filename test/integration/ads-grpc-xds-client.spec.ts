import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { register as registerXdsResolver } from '@grpc/grpc-js-xds';
import { TypeUrl } from '@mycel/xds';
import { encodeAny, snapshot, startTestAdsServer, xdsResource } from './support/ads-client';
import type { TestAdsServer } from './support/ads-client';

// @grpc/grpc-js-xds as a real (SotW) dataplane: it validates every resource and ACKs or NACKs it.

const ECHO_PATH = '/mycel.test.Echo/Echo';
const raw = (b: Buffer): Buffer => b;

/** A backend answering ECHO_PATH with the request bytes, on a random loopback port. */
async function startEchoBackend(): Promise<{ port: number; server: grpc.Server }> {
  const server = new grpc.Server();
  server.addService(
    { Echo: { path: ECHO_PATH, requestStream: false, responseStream: false, requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw } },
    { Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => callback(null, call.request) },
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { port, server };
}

/** The minimal resource set for `xds:///svc`: Listener → RouteConfiguration → Cluster (EDS) → endpoints. */
function proxylessResources(backendPort: number) {
  const ads = { ads: {}, resource_api_version: 'V3' };
  return [
    xdsResource(TypeUrl.listener, 'svc', {
      api_listener: {
        api_listener: encodeAny('envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager', {
          rds: { config_source: ads, route_config_name: 'svc-route' },
          http_filters: [{ name: 'router', typed_config: encodeAny('envoy.extensions.filters.http.router.v3.Router', {}) }],
        }),
      },
    }),
    xdsResource(TypeUrl.route, 'svc-route', {
      virtual_hosts: [{ name: 'svc', domains: ['*'], routes: [{ match: { prefix: '' }, route: { cluster: 'svc-cluster' } }] }],
    }),
    xdsResource(TypeUrl.cluster, 'svc-cluster', { type: 'EDS', eds_cluster_config: { eds_config: ads } }),
    xdsResource(TypeUrl.endpoint, 'svc-cluster', {
      endpoints: [
        {
          locality: { zone: 'z1' },
          load_balancing_weight: { value: 1 },
          lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: backendPort } } } }],
        },
      ],
    }),
  ];
}

describe('ADS server with @grpc/grpc-js-xds as the client', function () {
  let t: TestAdsServer;
  let backend: { port: number; server: grpc.Server };
  let client: grpc.Client | undefined;

  before(() => registerXdsResolver());

  beforeEach(async () => {
    t = await startTestAdsServer();
    backend = await startEchoBackend();
  });

  afterEach(async () => {
    client?.close();
    client = undefined;
    await t.stop();
    backend.server.forceShutdown();
  });

  it('ACKs a minimal Listener/Route/Cluster/Endpoints set and routes an RPC through it', async () => {
    t.cache.set('grpc-client-1', snapshot(...proxylessResources(backend.port)));
    const bootstrap = {
      xds_servers: [{ server_uri: t.address, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
      node: { id: 'grpc-client-1', locality: {} },
    };
    client = new grpc.Client('xds:///svc', grpc.credentials.createInsecure(), {
      'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config': JSON.stringify(bootstrap),
    });
    const c = client;
    const reply = await new Promise<Buffer>((resolve, reject) =>
      c.makeUnaryRequest(ECHO_PATH, raw, raw, Buffer.from('ping'), { deadline: Date.now() + 20_000 }, (err, value) =>
        err || !value ? reject(err ?? new Error('empty reply')) : resolve(value),
      ),
    );
    assert.equal(reply.toString(), 'ping');
    for (const type of ['Listener', 'RouteConfiguration', 'Cluster', 'ClusterLoadAssignment']) {
      await t.events.waitFor(new RegExp(`^ack grpc-client-1 ${type} `));
    }
    assert.deepEqual(t.events.lines.filter((l) => l.startsWith('nack')), []);
  });

  it('receives a NACK with the validation error when a resource is invalid, and recovers on the next snapshot', async () => {
    const valid = proxylessResources(backend.port);
    // A Listener without api_listener is rejected by gRPC's xDS client.
    const [, ...rest] = valid;
    t.cache.set('grpc-client-2', snapshot(xdsResource(TypeUrl.listener, 'svc', { stat_prefix: 'not-an-api-listener' }), ...rest));
    const bootstrap = {
      xds_servers: [{ server_uri: t.address, channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
      node: { id: 'grpc-client-2', locality: {} },
    };
    client = new grpc.Client('xds:///svc', grpc.credentials.createInsecure(), {
      'grpc.TEST_ONLY_DO_NOT_USE_IN_PROD.xds_bootstrap_config': JSON.stringify(bootstrap),
    });
    client.getChannel().getConnectivityState(true);
    const nack = await t.events.waitFor(/^nack grpc-client-2 Listener /);
    assert.match(nack, /Listener message validation failed: \[No api_listener/);
    t.cache.set('grpc-client-2', snapshot(...valid));
    await t.events.waitFor(/^ack grpc-client-2 Listener /);
    assert.equal(t.events.lines.filter((l) => l.startsWith('nack')).length, 1, 'the rejected version was not re-sent');
  });
});
