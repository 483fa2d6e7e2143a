import assert from 'node:assert/strict';
import { EnvoyRulesError, EnvoyShapeError, checkValidateRules, decodeMessage, encodeMessage } from '@mycel/xds';
import { ADS_CLUSTER_NAME, ENVOY_BOOTSTRAP_TYPE, checkEnvoyBootstrap, envoyBootstrap } from './envoy-bootstrap';
import type { EnvoyBootstrapParams } from './envoy-bootstrap';
import { protoJsonToObject } from './proto-json';

const TOKEN = 'eyJhbGciOiJFUzI1NiJ9.eyJtZXNoIjoiZGVmYXVsdCJ9.c2lnbmF0dXJl';

const params = (over: Partial<EnvoyBootstrapParams> = {}): EnvoyBootstrapParams => ({
  mesh: 'default',
  name: 'web-1',
  token: TOKEN,
  zone: 'zone-1',
  service: 'web',
  adminPort: 9901,
  xdsAddress: '10.0.0.100',
  xdsPort: 5678,
  ...over,
});

/** Reads a path of plain objects/arrays from a JSON value. */
function at(value: unknown, ...path: Array<string | number>): unknown {
  let v = value;
  for (const p of path) v = (v as Record<string | number, unknown>)[p];
  return v;
}

describe('Envoy bootstrap', () => {
  it('passes the strict encoder and Envoy validation rules, and decodes back to the same config', () => {
    const bootstrap = envoyBootstrap(params({ versions: { envoy: '1.31.0', mycelDp: '0.1.0' } }));
    const object = protoJsonToObject(ENVOY_BOOTSTRAP_TYPE, bootstrap);
    const bytes = encodeMessage(ENVOY_BOOTSTRAP_TYPE, object);
    assert.deepEqual(checkValidateRules(ENVOY_BOOTSTRAP_TYPE, object), []);
    const decoded = decodeMessage(ENVOY_BOOTSTRAP_TYPE, bytes);
    assert.equal(at(decoded, 'node', 'id'), 'default.web-1');
    assert.deepEqual(at(decoded, 'dynamic_resources', 'ads_config', 'grpc_services', 0, 'initial_metadata'), [{ key: 'authorization', value: `Bearer ${TOKEN}` }]);
    assert.deepEqual(at(decoded, 'static_resources', 'clusters', 0, 'connect_timeout'), { seconds: '1' });
    assert.equal(at(decoded, 'node', 'metadata', 'fields', 'mycel.io/version', 'structValue', 'fields', 'envoy', 'stringValue'), '1.31.0');
  });

  it('identifies the node as <mesh>.<name> with mesh, name and kind in its metadata, but never the token', () => {
    const node = at(envoyBootstrap(params()), 'node');
    assert.deepEqual(node, {
      id: 'default.web-1',
      cluster: 'web',
      locality: { zone: 'zone-1' },
      metadata: { 'mycel.io/mesh': 'default', 'mycel.io/name': 'web-1', 'mycel.io/proxy-kind': 'envoy' },
    });
    assert.ok(!JSON.stringify(node).includes(TOKEN));
  });

  it('sends the token as authorization initial metadata of the ADS gRPC service and gets CDS and LDS over ADS', () => {
    assert.deepEqual(at(envoyBootstrap(params()), 'dynamic_resources'), {
      ads_config: {
        api_type: 'GRPC',
        transport_api_version: 'V3',
        set_node_on_first_message_only: true,
        grpc_services: [{ envoy_grpc: { cluster_name: ADS_CLUSTER_NAME }, initial_metadata: [{ key: 'authorization', value: `Bearer ${TOKEN}` }] }],
      },
      cds_config: { ads: {}, resource_api_version: 'V3' },
      lds_config: { ads: {}, resource_api_version: 'V3' },
    });
  });

  it('reaches the control plane through a static HTTP/2 cluster; STRICT_DNS for a host name', () => {
    const cluster = at(envoyBootstrap(params()), 'static_resources', 'clusters', 0) as Record<string, unknown>;
    assert.equal(cluster['name'], 'mycel:ads');
    assert.equal(cluster['type'], 'STATIC');
    assert.deepEqual(at(cluster, 'load_assignment', 'endpoints', 0, 'lb_endpoints', 0, 'endpoint', 'address'), { socket_address: { address: '10.0.0.100', port_value: 5678 } });
    assert.deepEqual(at(cluster, 'typed_extension_protocol_options', 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions', 'explicit_http_config'), { http2_protocol_options: {} });
    const dns = at(envoyBootstrap(params({ xdsAddress: 'zone-cp.mycel-system.svc' })), 'static_resources', 'clusters', 0) as Record<string, unknown>;
    assert.equal(dns['type'], 'STRICT_DNS');
  });

  it('puts the admin API on 127.0.0.1:<adminPort>', () => {
    assert.deepEqual(at(envoyBootstrap(params({ adminPort: 9902 })), 'admin'), { address: { socket_address: { address: '127.0.0.1', port_value: 9902 } } });
  });

  it('fails loudly when the bootstrap would not be accepted by Envoy', () => {
    assert.throws(() => envoyBootstrap(params({ adminPort: 70_000 })), (err: unknown) => err instanceof EnvoyRulesError && /admin.address.socket_address.port_value: must be less than or equal to 65535/.test(err.message));
    assert.throws(() => envoyBootstrap(params({ adminPort: -1 })), (err: unknown) => err instanceof EnvoyShapeError && /port_value/.test(err.message));
    assert.throws(() => envoyBootstrap(params({ xdsAddress: '' })), (err: unknown) => err instanceof EnvoyRulesError && /address/.test(err.message));
    const typo = { ...envoyBootstrap(params()), dynamic_resource: {} };
    assert.throws(() => checkEnvoyBootstrap(typo), (err: unknown) => err instanceof EnvoyShapeError && /dynamic_resource: unknown field/.test(err.message));
  });
});

describe('protoJsonToObject', () => {
  it('converts durations, structs, wrappers and Any payloads to the encoder form, leaving the rest alone', () => {
    const object = protoJsonToObject('envoy.config.cluster.v3.Cluster', {
      name: 'c',
      connect_timeout: '0.250s',
      per_connection_buffer_limit_bytes: 1024,
      metadata: { filter_metadata: { 'mycel.io': { a: 'x', n: 1, b: true, z: null, l: [1, 'two'], o: { k: 'v' } } } },
      typed_extension_protocol_options: {
        'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
          '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
          common_http_protocol_options: { idle_timeout: '-1.5s' },
        },
      },
      unknown_field: '1s',
    });
    assert.deepEqual(object, {
      name: 'c',
      connect_timeout: { nanos: 250_000_000 },
      per_connection_buffer_limit_bytes: { value: 1024 },
      metadata: {
        filter_metadata: {
          'mycel.io': {
            fields: {
              a: { stringValue: 'x' },
              b: { boolValue: true },
              l: { listValue: { values: [{ numberValue: 1 }, { stringValue: 'two' }] } },
              n: { numberValue: 1 },
              o: { structValue: { fields: { k: { stringValue: 'v' } } } },
              z: { nullValue: 'NULL_VALUE' },
            },
          },
        },
      },
      typed_extension_protocol_options: {
        'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
          '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
          common_http_protocol_options: { idle_timeout: { seconds: -1, nanos: -500_000_000 } },
        },
      },
      unknown_field: '1s',
    });
  });

  it('leaves a malformed duration as it is, for the encoder to report', () => {
    assert.deepEqual(protoJsonToObject('envoy.config.cluster.v3.Cluster', { connect_timeout: '1 second' }), { connect_timeout: '1 second' });
    assert.throws(() => encodeMessage('envoy.config.cluster.v3.Cluster', { connect_timeout: '1 second' }), EnvoyShapeError);
  });
});
