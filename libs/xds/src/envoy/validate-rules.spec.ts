import assert from 'node:assert/strict';
import type { JsonObject } from '@mycel/core';
import * as protobuf from 'protobufjs';
import { TypeUrl } from '../resource-types';
import { encodeResource, packAny } from './encode';
import { loadProtoRoot } from './protos';
import { EnvoyTypes } from './type-names';
import { checkResourceRules, checkValidateRules } from './validate-rules';

function edsCluster(overrides: JsonObject = {}): JsonObject {
  return { name: 'backend', type: 'EDS', connect_timeout: { seconds: 5 }, eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } }, ...overrides };
}

function staticCluster(port: number): JsonObject {
  return {
    name: 'local',
    type: 'STATIC',
    load_assignment: { cluster_name: 'local', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: port } } } }] }] },
  };
}

/** `[field, reason]` pairs, for compact assertions. */
function pairs(violations: readonly { field: string; reason: string }[]): [string, string][] {
  return violations.map((v) => [v.field, v.reason]);
}

describe('validate rules', () => {
  it('accepts well-formed resources', () => {
    assert.deepEqual(checkValidateRules(EnvoyTypes.cluster, edsCluster()), []);
    assert.deepEqual(checkValidateRules(EnvoyTypes.cluster, staticCluster(8080)), []);
  });

  it('rejects port 70000 (uint32 lte 65535)', () => {
    assert.deepEqual(pairs(checkValidateRules(EnvoyTypes.cluster, staticCluster(70000))), [
      ['load_assignment.endpoints[0].lb_endpoints[0].endpoint.address.socket_address.port_value', 'must be less than or equal to 65535, got 70000'],
    ]);
  });

  it('rejects an empty cluster name, whether absent (proto3 default) or ""', () => {
    const { name: _name, ...unnamed } = edsCluster();
    assert.deepEqual(pairs(checkValidateRules(EnvoyTypes.cluster, unnamed)), [['name', 'must be at least 1 character(s) long, got 0']]);
    assert.deepEqual(pairs(checkValidateRules(EnvoyTypes.cluster, edsCluster({ name: '' }))), [['name', 'must be at least 1 character(s) long, got 0']]);
  });

  it('rejects missing required fields and unset required oneofs', () => {
    const hcm = { stat_prefix: 'in', rds: { route_config_name: 'r' }, http_filters: [] };
    assert.deepEqual(pairs(checkValidateRules(EnvoyTypes.httpConnectionManager, hcm)), [['rds.config_source', 'is required']]);
    assert.deepEqual(pairs(checkValidateRules(EnvoyTypes.httpConnectionManager, { stat_prefix: 'in' })), [
      ['route_specifier', 'exactly one of rds, route_config, scoped_routes is required'],
    ]);
    assert.deepEqual(pairs(checkValidateRules('envoy.config.core.v3.SocketAddress', { address: '10.0.0.1' })), [
      ['port_specifier', 'exactly one of port_value, named_port is required'],
    ]);
    // A oneof member set to its default value is set: port 0 satisfies `(validate.required)`.
    assert.deepEqual(checkValidateRules('envoy.config.core.v3.SocketAddress', { address: '10.0.0.1', port_value: 0 }), []);
  });

  it('rejects an enum value that is not defined (defined_only)', () => {
    assert.deepEqual(pairs(checkValidateRules(EnvoyTypes.cluster, edsCluster({ lb_policy: 42 }))), [
      ['lb_policy', 'must be a defined value of envoy.config.cluster.v3.Cluster.LbPolicy (ROUND_ROBIN, LEAST_REQUEST, RING_HASH, RANDOM, MAGLEV, CLUSTER_PROVIDED, LOAD_BALANCING_POLICY_CONFIG), got 42'],
    ]);
    assert.equal(checkValidateRules(EnvoyTypes.httpConnectionManager, { stat_prefix: 's', codec_type: 9, route_config: {} }).length, 1);
  });

  it('rejects a negative or zero duration where Envoy wants a positive one', () => {
    assert.deepEqual(pairs(checkValidateRules(EnvoyTypes.cluster, edsCluster({ connect_timeout: { seconds: -1 } }))), [['connect_timeout', 'must be greater than 0s, got -1s']]);
    assert.deepEqual(pairs(checkValidateRules(EnvoyTypes.cluster, edsCluster({ connect_timeout: {} }))), [['connect_timeout', 'must be greater than 0s, got 0s']]);
    assert.deepEqual(pairs(checkValidateRules(EnvoyTypes.cluster, edsCluster({ dns_refresh_rate: { nanos: 500_000 } }))), [['dns_refresh_rate', 'must be greater than 1ms, got 500000ns']]);
  });

  it('checks rules inside Any payloads, from the plain object or the encoded resource', () => {
    const listener = {
      name: 'l',
      address: { socket_address: { address: '127.0.0.1', port_value: 1 } },
      filter_chains: [{ filters: [{ name: 'envoy.filters.network.tcp_proxy', typed_config: packAny(EnvoyTypes.tcpProxy, { stat_prefix: '' }) }] }],
    };
    const expected = [
      ['filter_chains[0].filters[0].typed_config.cluster_specifier', 'exactly one of cluster, weighted_clusters is required'],
      ['filter_chains[0].filters[0].typed_config.stat_prefix', 'must be at least 1 character(s) long, got 0'],
    ];
    assert.deepEqual(pairs(checkValidateRules(EnvoyTypes.listener, listener)), expected);
    assert.deepEqual(pairs(checkResourceRules(encodeResource(TypeUrl.listener, listener))), expected);
    // An Any still in bytes form is decoded and checked too.
    const bytesForm = { ...listener, filter_chains: [{ filters: [{ name: 'f', typed_config: { type_url: `type.googleapis.com/${EnvoyTypes.tcpProxy}`, value: '' } }] }] };
    assert.equal(checkValidateRules(EnvoyTypes.listener, bytesForm).length, 2);
  });

  it('checks repeated, map, string-pattern and wrapper rules of the Envoy protos', () => {
    const route = {
      name: 'r',
      virtual_hosts: [{ name: 'v', domains: [], request_headers_to_add: [{ header: { key: 'bad\nheader', value: 'x' } }] }],
    };
    assert.deepEqual(pairs(checkValidateRules(EnvoyTypes.routeConfiguration, route)), [
      ['virtual_hosts[0].domains', 'must have at least 1 item(s), got 0'],
      // Envoy marks header keys `strict: false`: only NUL, CR and LF are refused.
      ['virtual_hosts[0].request_headers_to_add[0].header.key', 'must be a valid HTTP header name (no NUL, CR or LF), got "bad\\nheader"'],
    ]);
    const cla = { cluster_name: 'c', endpoints: [{ locality: { zone: 'z' }, load_balancing_weight: { value: 0 }, priority: 200 }] };
    assert.deepEqual(pairs(checkValidateRules(EnvoyTypes.clusterLoadAssignment, cla)), [
      ['endpoints[0].load_balancing_weight.value', 'must be greater than or equal to 1, got 0'],
      ['endpoints[0].priority', 'must be less than or equal to 128, got 200'],
    ]);
    assert.deepEqual(pairs(checkValidateRules(EnvoyTypes.cluster, edsCluster({ metadata: { filter_metadata: { '': {} } } }))), [['metadata.filter_metadata[""]', 'key must be at least 1 character(s) long, got 0']]);
    assert.deepEqual(pairs(checkValidateRules('envoy.config.route.v3.RouteMatch', { path_separated_prefix: '/api/' })), [
      ['path_separated_prefix', 'must match the pattern ^[^?#]+[^?#/]$, got "/api/"'],
    ]);
    // A oneof member set to false is set, and `bool.const: true` refuses it.
    assert.deepEqual(pairs(checkValidateRules(EnvoyTypes.bootstrap, { stats_flush_on_admin: true })), []);
    assert.deepEqual(pairs(checkValidateRules(EnvoyTypes.bootstrap, { stats_flush_on_admin: false })), [['stats_flush_on_admin', 'must be true, got boolean false']]);
  });

  describe('rule kinds the Envoy protos seldom use (synthetic messages)', () => {
    let root: protobuf.Root;
    const type = (name: string): protobuf.Type => root.lookupType(`mycel.test.${name}`);

    before(() => {
      root = loadProtoRoot(['validate/validate.proto']);
      protobuf.parse(
        `syntax = "proto3";
        package mycel.test;
        import "validate/validate.proto";
        import "google/protobuf/duration.proto";
        enum Color { RED = 0; GREEN = 1; BLUE = 2; }
        message Numbers {
          int32 fixed = 1 [(validate.rules).int32.const = 7];
          int64 listed = 2 [(validate.rules).int64 = {in: [1, 2, 3]}];
          uint32 banned = 3 [(validate.rules).uint32 = {not_in: [13]}];
          double ratio = 4 [(validate.rules).double = {gte: 0, lte: 1}];
          int32 outside = 5 [(validate.rules).int32 = {lt: 10, gt: 20}];
          optional int32 opt = 6 [(validate.rules).int32.gt = 5];
          uint32 skippable = 7 [(validate.rules).uint32 = {gte: 100, ignore_empty: true}];
        }
        message Strings {
          string host = 1 [(validate.rules).string.hostname = true];
          string ip = 2 [(validate.rules).string.ip = true];
          string v4 = 3 [(validate.rules).string.ipv4 = true];
          string pre = 4 [(validate.rules).string = {prefix: "/", max_len: 5}];
          string pick = 5 [(validate.rules).string = {in: ["a", "b"]}];
          bytes raw = 6 [(validate.rules).bytes.min_len = 2];
          string addr = 7 [(validate.rules).string.address = true];
        }
        message Collections {
          repeated string tags = 1 [(validate.rules).repeated = {max_items: 2, unique: true, items: {string: {min_len: 2}}}];
          map<string, uint32> weights = 2 [(validate.rules).map = {min_pairs: 1, max_pairs: 2, keys: {string: {prefix: "w"}}, values: {uint32: {lte: 10}}}];
          repeated Color colors = 3 [(validate.rules).repeated.items.enum = {defined_only: true, not_in: [2]}];
          Color one = 4 [(validate.rules).enum = {in: [0, 1]}];
        }
        message Times {
          google.protobuf.Duration timeout = 1 [(validate.rules).duration = {required: true, lte: {seconds: 60}}];
          google.protobuf.Duration exact = 2 [(validate.rules).duration = {const: {seconds: 1}}];
          Times nested = 3;
          Times skipped = 4 [(validate.rules).message.skip = true];
          oneof choice {
            option (validate.required) = true;
            string a = 5;
            uint32 b = 6 [(validate.rules).uint32.gt = 0];
          }
        }`,
        root,
        { keepCase: true },
      );
      root.resolveAll();
    });

    it('numbers: const, in, not_in, ranges inside and outside, proto3 optional, ignore_empty', () => {
      assert.deepEqual(pairs(checkValidateRules(type('Numbers'), { fixed: 7, listed: '2', ratio: 0.5, outside: 25, skippable: 0 })), []);
      assert.deepEqual(pairs(checkValidateRules(type('Numbers'), { fixed: 8, listed: 4, banned: 13, ratio: 1.5, outside: 15, opt: 5, skippable: 3 })), [
        ['fixed', 'must equal 7, got 8'],
        ['listed', 'must be one of 1, 2, 3, got 4'],
        ['banned', 'must not be 13'],
        ['ratio', 'must be greater than or equal to 0 and less than or equal to 1, got 1.5'],
        ['outside', 'must be greater than 20 or less than 10, got 15'],
        ['opt', 'must be greater than 5, got 5'],
        ['skippable', 'must be greater than or equal to 100, got 3'],
      ]);
    });

    it('strings and bytes: hostname, ip, ipv4, address, prefix, max_len, in, bytes min_len', () => {
      const good = { host: 'api.example.com', ip: '::1', v4: '10.0.0.1', pre: '/a', pick: 'a', raw: 'AAE=', addr: 'backend' };
      assert.deepEqual(pairs(checkValidateRules(type('Strings'), good)), []);
      const bad = { host: '-bad-.example', ip: '10.0.0', v4: '::1', pre: 'abcdef', pick: 'c', raw: Buffer.from([1]), addr: 'not an address' };
      assert.deepEqual(
        pairs(checkValidateRules(type('Strings'), bad)).map(([field]) => field),
        ['host', 'ip', 'v4', 'pre', 'pre', 'pick', 'raw', 'addr'],
      );
    });

    it('repeated and map: max_items, unique, items, pairs, keys, values, enum items', () => {
      assert.deepEqual(pairs(checkValidateRules(type('Collections'), { tags: ['ab', 'cd'], weights: { w1: 3 }, colors: ['RED', 'GREEN'] })), []);
      assert.deepEqual(pairs(checkValidateRules(type('Collections'), { tags: ['ab', 'ab', 'x'], weights: { a: 11, w2: 1, w3: 1 }, colors: [2, 7], one: 'BLUE' })), [
        ['tags', 'must have at most 2 item(s), got 3'],
        ['tags[1]', 'must be unique, repeats item 0'],
        ['tags[2]', 'must be at least 2 character(s) long, got 1'],
        ['weights', 'must have at most 2 entr(ies), got 3'],
        ['weights.a', 'key must start with "w", got "a"'],
        ['weights.a', 'must be less than or equal to 10, got 11'],
        ['colors[0]', 'must not be BLUE'],
        ['colors[1]', 'must be a defined value of mycel.test.Color (RED, GREEN, BLUE), got 7'],
        ['one', 'must be one of RED, GREEN, got BLUE'],
      ]);
      assert.deepEqual(pairs(checkValidateRules(type('Collections'), {})), [['weights', 'must have at least 1 entr(ies), got 0']]);
    });

    it('durations, required oneofs, nested messages and message.skip', () => {
      assert.deepEqual(pairs(checkValidateRules(type('Times'), { timeout: { seconds: 5 }, a: 'x' })), []);
      assert.deepEqual(
        pairs(checkValidateRules(type('Times'), { timeout: { seconds: 61 }, exact: { seconds: 3 }, b: 0, nested: { a: 'x' }, skipped: {} })),
        [
          ['timeout', 'must be less than or equal to 60s, got 61s'],
          ['exact', 'must equal 1s, got 3s'],
          ['nested.timeout', 'is required'],
          ['b', 'must be greater than 0, got 0'],
        ],
      );
      assert.deepEqual(pairs(checkValidateRules(type('Times'), {})), [
        ['choice', 'exactly one of a, b is required'],
        ['timeout', 'is required'],
      ]);
    });
  });
});
