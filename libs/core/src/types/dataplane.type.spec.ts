import assert from 'node:assert/strict';
import type { DataplaneSpec } from './dataplane.type';
import { DataplaneType } from './dataplane.type';
import { specTable } from '@mycel/testing';

const validate = (spec: unknown) => DataplaneType.validate(spec, { name: 'web-1', mesh: 'default', labels: {} });

const SVC = 'mycel.io/service';
const PROTO = 'mycel.io/protocol';
const web = { [SVC]: 'web' };

/** A dataplane with one inbound on 10.0.0.1:8080, merged with `networking`. */
function dp(networking: Record<string, unknown>): unknown {
  return { networking: { address: '10.0.0.1', inbound: [{ port: 8080, tags: web }], ...networking } };
}

const FULL: DataplaneSpec = {
  networking: {
    address: '10.0.0.1',
    advertisedAddress: 'web-1.example.com',
    admin: { port: 9901 },
    inbound: [
      { port: 8080, servicePort: 18080, serviceAddress: '127.0.0.1', tags: { [SVC]: 'web', [PROTO]: 'http', version: 'v1' }, health: { ready: true } },
      // Same port, different address: a different listener.
      { port: 8080, address: '10.0.0.2', tags: { [SVC]: 'web-admin', [PROTO]: 'grpc' }, health: { ready: false } },
      { port: 8443, servicePort: 8443, serviceAddress: '10.0.0.9', tags: { [SVC]: 'web-tls', [PROTO]: 'tcp', 'example.com/team': 'a_b.c-d' } },
    ],
    outbound: [
      { port: 10001, tags: { [SVC]: 'backend', [PROTO]: 'http2' } },
      { port: 10001, address: '127.0.0.2', backendRef: { kind: 'MeshService', name: 'backend', port: 8080 } },
      { port: 10002, address: '::1', backendRef: { kind: 'MeshService', name: 'db' } },
    ],
    transparentProxying: { redirectPortInbound: 15006, redirectPortOutbound: 15001, ipFamilyMode: 'ipv4' },
  },
};

const NOT_IP = (got: string) => `must be an IPv4 or IPv6 address, got '${got}'`;
const NOT_HOST = (got: string) => `must be an IPv4 address, an IPv6 address or a DNS name, got '${got}'`;

describe('Dataplane', () => {
  it('is a mesh type synced from zones to global', () => {
    assert.equal(DataplaneType.name, 'Dataplane');
    assert.equal(DataplaneType.plural, 'dataplanes');
    assert.equal(DataplaneType.singular, 'dataplane');
    assert.equal(DataplaneType.scope, 'mesh');
    assert.deepEqual(DataplaneType.kds, { globalToZone: false, zoneToGlobal: true, acrossZones: true });
    assert.equal(DataplaneType.readOnly, false);
    assert.equal(DataplaneType.sensitive, false);
    assert.equal(DataplaneType.isPolicy, false);
  });

  specTable(
    validate,
    [
      { name: 'one inbound (minimal)', spec: dp({}) },
      { name: 'every field filled in', spec: FULL },
      { name: 'a gateway without inbounds', spec: { networking: { address: 'gw.mesh.local', gateway: { type: 'BUILTIN', tags: { [SVC]: 'edge' } } } } },
      { name: 'a delegated gateway with outbounds', spec: { networking: { address: '10.0.0.3', gateway: { type: 'DELEGATED', tags: { [SVC]: 'kong' } }, outbound: [{ port: 1, tags: web }] } } },
      { name: 'an IPv6 address', spec: { networking: { address: 'fd00::1', inbound: [{ port: 80, tags: web }] } } },
      { name: 'a DNS name as address', spec: { networking: { address: 'web-1.default.svc.cluster.local', inbound: [{ port: 80, tags: web }] } } },
      { name: 'ports at both bounds', spec: dp({ inbound: [{ port: 1, tags: web }, { port: 65535, servicePort: 1, tags: web }] }) },
      {
        name: 'serviceAddress equal to the address with a different servicePort',
        spec: dp({ inbound: [{ port: 8080, servicePort: 8081, serviceAddress: '10.0.0.1', tags: web }] }),
      },
      { name: 'an admin port no listener uses', spec: dp({ admin: { port: 9901 }, transparentProxying: { redirectPortInbound: 15006, redirectPortOutbound: 15001 } }) },
      { name: 'an empty outbound list', spec: dp({ outbound: [] }) },
    ],
    [
      { name: 'a spec that is not an object', spec: 'web', violations: [{ field: 'spec', reason: 'must be an object, got string' }] },
      { name: 'an empty spec', spec: {}, violations: [{ field: 'spec.networking', reason: 'is required' }] },
      {
        name: 'unknown fields',
        spec: { networking: { address: '10.0.0.1', inbound: [{ port: 80, tags: web, protocol: 'http' }], ingress: {} }, metrics: {} },
        violations: [
          { field: 'spec.metrics', reason: 'unknown field' },
          { field: 'spec.networking.ingress', reason: 'unknown field' },
          { field: 'spec.networking.inbound[0].protocol', reason: 'unknown field' },
        ],
      },
      { name: 'networking that is not an object', spec: { networking: [] }, violations: [{ field: 'spec.networking', reason: 'must be an object, got array' }] },
      {
        name: 'a missing address',
        spec: { networking: { inbound: [{ port: 80, tags: web }] } },
        violations: [{ field: 'spec.networking.address', reason: 'is required' }],
      },
      {
        name: 'addresses that are neither IP nor DNS name',
        spec: dp({ address: '10.0.0.256', advertisedAddress: 'web_1.example.com' }),
        violations: [
          { field: 'spec.networking.address', reason: NOT_HOST('10.0.0.256') },
          { field: 'spec.networking.advertisedAddress', reason: NOT_HOST('web_1.example.com') },
        ],
      },
      {
        name: 'an address with a port',
        spec: dp({ address: '10.0.0.1:8080' }),
        violations: [{ field: 'spec.networking.address', reason: NOT_HOST('10.0.0.1:8080') }],
      },
      {
        name: 'neither inbound nor gateway',
        spec: { networking: { address: '10.0.0.1', outbound: [{ port: 1, tags: web }] } },
        violations: [{ field: 'spec.networking', reason: 'must declare at least one inbound or a gateway, got neither' }],
      },
      {
        name: 'an empty inbound list and no gateway',
        spec: { networking: { address: '10.0.0.1', inbound: [] } },
        violations: [{ field: 'spec.networking', reason: 'must declare at least one inbound or a gateway, got neither' }],
      },
      {
        name: 'an inbound that is not a list (no extra "neither")',
        spec: { networking: { address: '10.0.0.1', inbound: { port: 80 } } },
        violations: [{ field: 'spec.networking.inbound', reason: 'must be an array, got object' }],
      },
      {
        name: 'both inbounds and a gateway',
        spec: dp({ gateway: { type: 'BUILTIN', tags: { [SVC]: 'edge' } } }),
        violations: [
          { field: 'spec.networking.gateway', reason: 'must be absent when inbounds are declared: a dataplane is either a gateway or a proxy for inbounds, got both' },
        ],
      },
      {
        name: 'inbound ports out of range or of the wrong type',
        spec: dp({ inbound: [{ port: 0, tags: web }, { port: 65536, servicePort: 0, tags: web }, { port: '80', servicePort: 8.5, tags: web }, { tags: web }] }),
        violations: [
          { field: 'spec.networking.inbound[0].port', reason: 'must be between 1 and 65535, got 0' },
          { field: 'spec.networking.inbound[1].port', reason: 'must be between 1 and 65535, got 65536' },
          { field: 'spec.networking.inbound[1].servicePort', reason: 'must be between 1 and 65535, got 0' },
          { field: 'spec.networking.inbound[2].port', reason: 'must be an integer, got string' },
          { field: 'spec.networking.inbound[2].servicePort', reason: 'must be an integer, got 8.5' },
          { field: 'spec.networking.inbound[3].port', reason: 'is required' },
        ],
      },
      {
        name: 'an inbound without tags',
        spec: dp({ inbound: [{ port: 80 }] }),
        violations: [{ field: 'spec.networking.inbound[0].tags', reason: 'is required' }],
      },
      {
        name: 'an inbound without the service tag',
        spec: dp({ inbound: [{ port: 80, tags: web }, { port: 81, tags: { version: 'v2' } }] }),
        violations: [{ field: 'spec.networking.inbound[1].tags["mycel.io/service"]', reason: 'is required' }],
      },
      {
        name: 'an unsupported protocol tag',
        spec: dp({ inbound: [{ port: 80, tags: { [SVC]: 'web', [PROTO]: 'udp' } }, { port: 81, tags: { [SVC]: 'web', [PROTO]: 'HTTP' } }] }),
        violations: [
          { field: 'spec.networking.inbound[0].tags["mycel.io/protocol"]', reason: "must be one of 'tcp', 'http', 'http2', 'grpc', got 'udp'" },
          { field: 'spec.networking.inbound[1].tags["mycel.io/protocol"]', reason: "must be one of 'tcp', 'http', 'http2', 'grpc', got 'HTTP'" },
        ],
      },
      {
        name: 'bad tag keys and values',
        spec: dp({ inbound: [{ port: 80, tags: { [SVC]: '', 'bad key': 'x', team: 'a/b', [PROTO]: 'http/2', count: 3 } }] }),
        violations: [
          { field: 'spec.networking.inbound[0].tags["mycel.io/service"]', reason: 'value must not be empty' },
          {
            field: 'spec.networking.inbound[0].tags["bad key"]',
            reason: "key name must consist of alphanumeric characters, '-', '_' or '.', and start and end with an alphanumeric character",
          },
          {
            field: 'spec.networking.inbound[0].tags.team',
            reason: "value must consist of alphanumeric characters, '-', '_' or '.', and start and end with an alphanumeric character, got 'a/b'",
          },
          {
            field: 'spec.networking.inbound[0].tags["mycel.io/protocol"]',
            reason: "value must consist of alphanumeric characters, '-', '_' or '.', and start and end with an alphanumeric character, got 'http/2'",
          },
          { field: 'spec.networking.inbound[0].tags.count', reason: 'must be a string, got number' },
        ],
      },
      {
        name: 'a service tag that is not a string',
        spec: dp({ inbound: [{ port: 80, tags: { [SVC]: 5 } }] }),
        violations: [{ field: 'spec.networking.inbound[0].tags["mycel.io/service"]', reason: 'must be a string, got number' }],
      },
      {
        name: 'tags that are not an object',
        spec: dp({ inbound: [{ port: 80, tags: ['mycel.io/service=web'] }] }),
        violations: [{ field: 'spec.networking.inbound[0].tags', reason: 'must be an object of string values, got array' }],
      },
      {
        name: 'inbound addresses that are not IPs',
        spec: dp({ inbound: [{ port: 80, address: 'web.local', serviceAddress: 'localhost', tags: web }] }),
        violations: [
          { field: 'spec.networking.inbound[0].address', reason: NOT_IP('web.local') },
          { field: 'spec.networking.inbound[0].serviceAddress', reason: NOT_IP('localhost') },
        ],
      },
      {
        name: 'a duplicate inbound address and port (explicit address equal to the default)',
        spec: dp({ inbound: [{ port: 8080, tags: web }, { port: 8081, tags: web }, { port: 8080, address: '10.0.0.1', tags: web }] }),
        violations: [
          { field: 'spec.networking.inbound[2].port', reason: 'must be unique: inbound 10.0.0.1:8080 is already declared by spec.networking.inbound[0].port' },
        ],
      },
      {
        name: 'a duplicate inbound spelled as two forms of one IPv6 address',
        spec: { networking: { address: 'fd00::1', inbound: [{ port: 80, tags: web }, { port: 80, address: 'FD00:0:0:0:0:0:0:1', tags: web }] } },
        violations: [
          { field: 'spec.networking.inbound[1].port', reason: 'must be unique: inbound [FD00:0:0:0:0:0:0:1]:80 is already declared by spec.networking.inbound[0].port' },
        ],
      },
      {
        name: 'an inbound that would forward to itself',
        spec: dp({ inbound: [{ port: 8080, serviceAddress: '10.0.0.1', tags: web }, { port: 9090, servicePort: 9090, address: '10.0.0.5', serviceAddress: '10.0.0.5', tags: web }] }),
        violations: [
          {
            field: 'spec.networking.inbound[0].serviceAddress',
            reason: "must differ from the inbound's own address when servicePort equals port, got 10.0.0.1:8080 for both (the proxy would forward to itself)",
          },
          {
            field: 'spec.networking.inbound[1].serviceAddress',
            reason: "must differ from the inbound's own address when servicePort equals port, got 10.0.0.5:9090 for both (the proxy would forward to itself)",
          },
        ],
      },
      {
        name: 'bad health',
        spec: dp({ inbound: [{ port: 80, tags: web, health: {} }, { port: 81, tags: web, health: { ready: 'yes', live: true } }, { port: 82, tags: web, health: true }] }),
        violations: [
          { field: 'spec.networking.inbound[0].health.ready', reason: 'is required' },
          { field: 'spec.networking.inbound[1].health.ready', reason: 'must be a boolean, got string' },
          { field: 'spec.networking.inbound[1].health.live', reason: 'unknown field' },
          { field: 'spec.networking.inbound[2].health', reason: 'must be an object, got boolean' },
        ],
      },
      {
        name: 'outbounds with both or neither of tags and backendRef',
        spec: dp({ outbound: [{ port: 1, tags: web, backendRef: { kind: 'MeshService', name: 'web' } }, { port: 2 }] }),
        violations: [
          { field: 'spec.networking.outbound[0]', reason: 'must set exactly one of tags and backendRef, got both' },
          { field: 'spec.networking.outbound[1]', reason: 'must set exactly one of tags and backendRef, got neither' },
        ],
      },
      {
        name: 'bad outbound fields',
        spec: dp({
          outbound: [
            { port: 0, address: 'localhost', tags: { version: 'v1' } },
            { port: 2, backendRef: { kind: 'Service', name: 'Backend', port: 70000, namespace: 'x' } },
            { port: 3, backendRef: {} },
            { port: 4, tags: null },
            'web:80',
          ],
        }),
        violations: [
          { field: 'spec.networking.outbound[0].port', reason: 'must be between 1 and 65535, got 0' },
          { field: 'spec.networking.outbound[0].address', reason: NOT_IP('localhost') },
          { field: 'spec.networking.outbound[0].tags["mycel.io/service"]', reason: 'is required' },
          { field: 'spec.networking.outbound[1].backendRef.namespace', reason: 'unknown field' },
          { field: 'spec.networking.outbound[1].backendRef.kind', reason: "must be one of 'MeshService', got 'Service'" },
          {
            field: 'spec.networking.outbound[1].backendRef.name',
            reason: "must consist of lowercase alphanumeric characters, '-' or '.', and start and end with an alphanumeric character, got 'Backend'",
          },
          { field: 'spec.networking.outbound[1].backendRef.port', reason: 'must be between 1 and 65535, got 70000' },
          { field: 'spec.networking.outbound[2].backendRef.kind', reason: 'is required' },
          { field: 'spec.networking.outbound[2].backendRef.name', reason: 'is required' },
          { field: 'spec.networking.outbound[3].tags', reason: 'must be an object of string values, got null' },
          { field: 'spec.networking.outbound[4]', reason: 'must be an object, got string' },
        ],
      },
      {
        name: 'duplicate outbound address and port (default address 127.0.0.1)',
        spec: dp({
          outbound: [
            { port: 10001, tags: web },
            { port: 10001, address: '127.0.0.1', backendRef: { kind: 'MeshService', name: 'web' } },
            { port: 10002, address: '::1', tags: web },
            { port: 10002, address: '0:0:0:0:0:0:0:1', tags: web },
          ],
        }),
        violations: [
          { field: 'spec.networking.outbound[1].port', reason: 'must be unique: outbound 127.0.0.1:10001 is already declared by spec.networking.outbound[0].port' },
          { field: 'spec.networking.outbound[3].port', reason: 'must be unique: outbound [0:0:0:0:0:0:0:1]:10002 is already declared by spec.networking.outbound[2].port' },
        ],
      },
      {
        name: 'a bad gateway',
        spec: { networking: { address: '10.0.0.1', gateway: { type: 'builtin', tags: { version: 'v1' }, listeners: [] } } },
        violations: [
          { field: 'spec.networking.gateway.listeners', reason: 'unknown field' },
          { field: 'spec.networking.gateway.type', reason: "must be one of 'BUILTIN', 'DELEGATED', got 'builtin'" },
          { field: 'spec.networking.gateway.tags["mycel.io/service"]', reason: 'is required' },
        ],
      },
      {
        name: 'a gateway without type or tags',
        spec: { networking: { address: '10.0.0.1', gateway: {} } },
        violations: [
          { field: 'spec.networking.gateway.type', reason: 'is required' },
          { field: 'spec.networking.gateway.tags', reason: 'is required' },
        ],
      },
      {
        name: 'bad transparent proxying',
        spec: dp({ transparentProxying: { redirectPortInbound: 15001, redirectPortOutbound: 15001, ipFamilyMode: 'ipv5', exclude: [] } }),
        violations: [
          { field: 'spec.networking.transparentProxying.exclude', reason: 'unknown field' },
          { field: 'spec.networking.transparentProxying.ipFamilyMode', reason: "must be one of 'dualstack', 'ipv4', 'ipv6', got 'ipv5'" },
          { field: 'spec.networking.transparentProxying.redirectPortOutbound', reason: 'must differ from redirectPortInbound, got 15001 for both' },
        ],
      },
      {
        name: 'transparent proxying without ports',
        spec: dp({ transparentProxying: {} }),
        violations: [
          { field: 'spec.networking.transparentProxying.redirectPortInbound', reason: 'is required' },
          { field: 'spec.networking.transparentProxying.redirectPortOutbound', reason: 'is required' },
        ],
      },
      {
        name: 'an admin port that collides with an inbound port',
        spec: dp({ admin: { port: 8080 } }),
        violations: [{ field: 'spec.networking.admin.port', reason: 'must differ from every inbound port, got 8080 which spec.networking.inbound[0].port also uses' }],
      },
      {
        name: 'an admin port that collides with a redirect port',
        spec: dp({ admin: { port: 15001 }, transparentProxying: { redirectPortInbound: 15006, redirectPortOutbound: 15001 } }),
        violations: [
          {
            field: 'spec.networking.admin.port',
            reason: 'must differ from the redirect ports, got 15001 which spec.networking.transparentProxying.redirectPortOutbound also uses',
          },
        ],
      },
      {
        name: 'an admin without a valid port',
        spec: dp({ admin: { address: '127.0.0.1' } }),
        violations: [
          { field: 'spec.networking.admin.address', reason: 'unknown field' },
          { field: 'spec.networking.admin.port', reason: 'is required' },
        ],
      },
    ],
  );

  it('reports every problem of a badly broken dataplane at once', () => {
    const violations = validate({ networking: { address: '', inbound: [{ port: -1, tags: {} }], outbound: [{}], admin: { port: 'x' } } });
    assert.deepEqual(
      violations.map((x) => x.field),
      [
        'spec.networking.address',
        'spec.networking.admin.port',
        'spec.networking.inbound[0].port',
        'spec.networking.inbound[0].tags["mycel.io/service"]',
        'spec.networking.outbound[0].port',
        'spec.networking.outbound[0]',
      ],
    );
  });
});
