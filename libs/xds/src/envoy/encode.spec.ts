import assert from 'node:assert/strict';
import type { JsonObject } from '@mycel/core';
import { TypeUrl } from '../resource-types';
import { checkMessageShape, decodeResource, encodeMessage, encodeResource, packAny, toBigInt } from './encode';
import { EnvoyShapeError, UnknownEnvoyTypeError } from './errors';
import { EnvoyTypes } from './type-names';

function listenerWithHcm(hcm: JsonObject): JsonObject {
  return {
    name: 'l',
    address: { socket_address: { address: '127.0.0.1', port_value: 10000 } },
    filter_chains: [{ filters: [{ name: 'envoy.filters.network.http_connection_manager', typed_config: { '@type': `type.googleapis.com/${EnvoyTypes.httpConnectionManager}`, ...hcm } }] }],
  };
}

/** The violations an EnvoyShapeError carries, or fails. */
function shapeViolations(fn: () => unknown): { field: string; reason: string }[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof EnvoyShapeError, `expected EnvoyShapeError, got ${String(err)}`);
    assert.equal(err.code, 'INTERNAL');
    return [...err.violations];
  }
  assert.fail('expected an EnvoyShapeError');
}

describe('encodeResource', () => {
  it('encodes a resource and decodes it back to the same object', () => {
    const cluster = { name: 'backend', type: 'EDS', connect_timeout: { seconds: '5' }, eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } } };
    const any = encodeResource(TypeUrl.cluster, cluster);
    assert.equal(any.type_url, TypeUrl.cluster);
    assert.ok(Buffer.isBuffer(any.value));
    assert.deepEqual(decodeResource(any), cluster);
  });

  it('encodes nested Any payloads given as {@type, …fields} and decodes them in the same form', () => {
    const listener = listenerWithHcm({
      stat_prefix: 'x',
      route_config: { name: 'r', virtual_hosts: [{ name: 'v', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c' } }] }] },
      http_filters: [{ name: 'envoy.filters.http.router', typed_config: packAny(EnvoyTypes.router, {}) }],
    });
    const decoded = decodeResource(encodeResource(TypeUrl.listener, listener));
    assert.deepEqual(decoded, listener);
    // Decoded output is valid input: a second round trip gives the same bytes.
    assert.deepEqual(encodeResource(TypeUrl.listener, decoded).value, encodeResource(TypeUrl.listener, listener).value);
  });

  it('gives equal bytes for maps written in any key order', () => {
    const a = { name: 'c', metadata: { filter_metadata: { b: { fields: {} }, a: { fields: {} } } } };
    const b = { name: 'c', metadata: { filter_metadata: { a: { fields: {} }, b: { fields: {} } } } };
    assert.deepEqual(encodeMessage(EnvoyTypes.cluster, a), encodeMessage(EnvoyTypes.cluster, b));
  });

  it('rejects an unknown field with its full path, even inside an Any payload', () => {
    const violations = shapeViolations(() =>
      encodeResource(
        TypeUrl.listener,
        listenerWithHcm({ stat_prefix: 'x', route_config: { name: 'r', virtual_hosts: [{ name: 'v', domainz: ['*'] }] }, http_filters: [] }),
      ),
    );
    assert.deepEqual(violations, [{ field: 'filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0].domainz', reason: 'unknown field of envoy.config.route.v3.VirtualHost' }]);
  });

  it('suggests the proto name for a camelCase field', () => {
    const [v] = shapeViolations(() => encodeResource(TypeUrl.cluster, { name: 'c', connectTimeout: { seconds: 1 } }));
    assert.equal(v?.field, 'connectTimeout');
    assert.match(v?.reason ?? '', /did you mean 'connect_timeout'/);
  });

  it('rejects values of the wrong kind and out-of-range integers, listing every one', () => {
    const violations = shapeViolations(() =>
      encodeResource(TypeUrl.cluster, {
        name: 7,
        type: 'EDSS',
        connect_timeout: { seconds: 'five' },
        per_connection_buffer_limit_bytes: { value: -1 },
        load_assignment: { cluster_name: 'c', endpoints: { lb_endpoints: [] } },
        respect_dns_ttl: 'yes',
        metadata: { filter_metadata: { a: null } },
      }),
    );
    assert.deepEqual(
      violations.map((v) => v.field),
      ['name', 'type', 'connect_timeout.seconds', 'per_connection_buffer_limit_bytes.value', 'load_assignment.endpoints', 'respect_dns_ttl', 'metadata.filter_metadata.a'],
    );
    assert.match(violations[0]?.reason ?? '', /must be a string, got number 7/);
    assert.match(violations[1]?.reason ?? '', /must be one of .*EDS.* got 'EDSS'/);
    assert.match(violations[3]?.reason ?? '', /between 0 and 4294967295/);
  });

  it('rejects two members of one oneof, null values, a message given as a scalar and bad bytes', () => {
    const violations = shapeViolations(() =>
      encodeResource(TypeUrl.listener, {
        name: 'l',
        address: { socket_address: { address: '::1', port_value: 1, named_port: 'x' } },
        stat_prefix: null,
        listener_filters_timeout: 5,
        filter_chains: [{ filters: [{ name: 'f', typed_config: { type_url: 'x', value: '!!!' } }] }],
      }),
    );
    assert.deepEqual(
      violations.map((v) => v.field),
      ['address.socket_address.port_specifier', 'stat_prefix', 'listener_filters_timeout', 'filter_chains[0].filters[0].typed_config.value'],
    );
  });

  it('rejects an Any whose @type is not loaded, and a misplaced @type', () => {
    const [v] = shapeViolations(() =>
      encodeResource(TypeUrl.listener, { name: 'l', filter_chains: [{ filters: [{ name: 'f', typed_config: { '@type': 'type.googleapis.com/envoy.Nope' } }] }] }),
    );
    assert.equal(v?.field, 'filter_chains[0].filters[0].typed_config["@type"]');
    const [w] = shapeViolations(() => encodeResource(TypeUrl.cluster, { name: 'c', '@type': TypeUrl.cluster }));
    assert.match(w?.reason ?? '', /only valid in a google.protobuf.Any/);
  });

  it('accepts 64-bit integers as numbers, decimal strings or Longs, and bytes as base64 or Uint8Array', () => {
    for (const seconds of [5, '5', { low: 5, high: 0, unsigned: false }]) checkMessageShape('google.protobuf.Duration', { seconds });
    assert.deepEqual(decodeResource({ type_url: 'type.googleapis.com/google.protobuf.BytesValue', value: encodeMessage('google.protobuf.BytesValue', { value: Buffer.from('hi') }) }), { value: 'aGk=' });
    checkMessageShape('google.protobuf.BytesValue', { value: 'aGk=' });
    assert.equal(toBigInt('-9223372036854775808'), -(2n ** 63n));
    assert.equal(toBigInt({ low: -1, high: -1, unsigned: true }), 2n ** 64n - 1n);
    assert.equal(toBigInt(1.5), undefined);
  });

  it('packAny checks the payload and returns it with its type URL', () => {
    assert.deepEqual(packAny(EnvoyTypes.tcpProxy, { stat_prefix: 's', cluster: 'c' }), {
      '@type': 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
      stat_prefix: 's',
      cluster: 'c',
    });
    const violations = shapeViolations(() => packAny(EnvoyTypes.tcpProxy, { stat_prefix: 's', clusters: 'c' }));
    assert.deepEqual(violations.map((v) => v.field), ['clusters']);
    assert.throws(() => packAny('envoy.Nope', {}), UnknownEnvoyTypeError);
  });

  it('rejects a top-level value that is not an object', () => {
    assert.deepEqual(shapeViolations(() => encodeResource(TypeUrl.cluster, [1])).map((v) => v.field), ['']);
  });
});
