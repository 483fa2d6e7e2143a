import assert from 'node:assert/strict';
import type { MeshSpec } from './mesh.type';
import { MeshType } from './mesh.type';
import { specTable } from '@mycel/testing';

const validate = (spec: unknown) => MeshType.validate(spec, { name: 'default', labels: {} });

const FULL: MeshSpec = {
  mtls: {
    enabledBackend: 'ca-1',
    mode: 'STRICT',
    backends: [
      { name: 'ca-1', type: 'builtin', dpCert: { rotation: { expiration: '24h' } }, conf: { caCert: { expiration: '8760h' } } },
      { name: 'ca-2', type: 'provided', conf: { cert: { secret: 'ca-cert' }, key: { secret: 'ca-key' } } },
    ],
  },
  metrics: {
    enabledBackend: 'prometheus-1',
    backends: [{ name: 'prometheus-1', type: 'prometheus', conf: { port: 5670, path: '/metrics' } }],
  },
  tracing: {
    defaultBackend: 'zipkin',
    backends: [
      { name: 'zipkin', type: 'zipkin', sampling: 12.5, conf: { url: 'http://zipkin.mesh:9411/api/v2/spans' } },
      { name: 'otel', type: 'otlp', sampling: 100, conf: { endpoint: 'otel-collector.observability:4317' } },
    ],
  },
  logging: {
    defaultBackend: 'file',
    backends: [
      { name: 'file', type: 'file', format: '%START_TIME% %UPSTREAM_HOST%', conf: { path: '/var/log/access.log' } },
      { name: 'logstash', type: 'tcp', conf: { address: '10.0.0.7:5000' } },
      { name: 'otel', type: 'otlp', conf: { endpoint: '[fd00::7]:4317' } },
    ],
  },
  networking: { outbound: { passthrough: false } },
  routing: { localityAwareLoadBalancing: true, zoneEgress: false },
};

describe('Mesh', () => {
  it('is a global type synced from global to zones', () => {
    assert.equal(MeshType.name, 'Mesh');
    assert.equal(MeshType.plural, 'meshes');
    assert.equal(MeshType.singular, 'mesh');
    assert.equal(MeshType.scope, 'global');
    assert.deepEqual(MeshType.kds, { globalToZone: true, zoneToGlobal: false, acrossZones: false });
    assert.equal(MeshType.isPolicy, false);
    assert.equal(MeshType.readOnly, false);
    assert.equal(MeshType.sensitive, false);
    assert.ok(Object.isFrozen(MeshType));
  });

  specTable(
    validate,
    [
      { name: 'an empty spec', spec: {} },
      { name: 'every section filled in', spec: FULL },
      { name: 'empty sections', spec: { mtls: {}, metrics: {}, tracing: {}, logging: {}, networking: {}, routing: {} } },
      { name: 'a builtin backend without conf', spec: { mtls: { enabledBackend: 'ca', backends: [{ name: 'ca', type: 'builtin' }] } } },
      { name: 'mtls mode without an enabled backend', spec: { mtls: { mode: 'PERMISSIVE' } } },
      { name: 'a prometheus backend without conf', spec: { metrics: { backends: [{ name: 'prom', type: 'prometheus' }] } } },
      { name: 'sampling at both bounds', spec: { tracing: { backends: [{ name: 'a', type: 'otlp', sampling: 0, conf: { endpoint: '127.0.0.1:4317' } }] } } },
      { name: 'a fractional dpCert rotation', spec: { mtls: { backends: [{ name: 'a', type: 'builtin', dpCert: { rotation: { expiration: '1.5h' } } }] } } },
      { name: 'an https zipkin URL', spec: { tracing: { backends: [{ name: 'z', type: 'zipkin', conf: { url: 'https://zipkin/api/v2/spans' } }] } } },
    ],
    [
      { name: 'a spec that is not an object', spec: [], violations: [{ field: 'spec', reason: 'must be an object, got array' }] },
      { name: 'a null spec', spec: null, violations: [{ field: 'spec', reason: 'must be an object, got null' }] },
      {
        name: 'unknown top-level and section fields',
        spec: { mTLS: {}, mtls: { enabled: true }, routing: { zoneEgres: true }, networking: { inbound: {} } },
        violations: [
          { field: 'spec.mTLS', reason: 'unknown field' },
          { field: 'spec.mtls.enabled', reason: 'unknown field' },
          { field: 'spec.routing.zoneEgres', reason: 'unknown field' },
          { field: 'spec.networking.inbound', reason: 'unknown field' },
        ],
      },
      {
        name: 'sections of the wrong type',
        spec: { mtls: 'on', metrics: [], tracing: 1, logging: null },
        violations: [
          { field: 'spec.mtls', reason: 'must be an object, got string' },
          { field: 'spec.metrics', reason: 'must be an object, got array' },
          { field: 'spec.tracing', reason: 'must be an object, got number' },
          { field: 'spec.logging', reason: 'must be an object, got null' },
        ],
      },
      {
        name: 'backends that are not a list of objects',
        spec: { mtls: { backends: {} }, metrics: { backends: ['prom'] } },
        violations: [
          { field: 'spec.mtls.backends', reason: 'must be an array, got object' },
          { field: 'spec.metrics.backends[0]', reason: 'must be an object, got string' },
        ],
      },
      {
        name: 'a backend without name or type, with an unknown field',
        spec: { mtls: { backends: [{ kind: 'builtin' }] } },
        violations: [
          { field: 'spec.mtls.backends[0].kind', reason: 'unknown field' },
          { field: 'spec.mtls.backends[0].name', reason: 'is required' },
          { field: 'spec.mtls.backends[0].type', reason: 'is required' },
        ],
      },
      {
        name: 'an invalid backend name and type',
        spec: { mtls: { backends: [{ name: 'CA_1', type: 'vault', conf: { anything: 1 } }] } },
        violations: [
          {
            field: 'spec.mtls.backends[0].name',
            reason: "must consist of lowercase alphanumeric characters, '-' or '.', and start and end with an alphanumeric character, got 'CA_1'",
          },
          { field: 'spec.mtls.backends[0].type', reason: "must be one of 'builtin', 'provided', got 'vault'" },
        ],
      },
      {
        name: 'duplicate backend names in one section',
        spec: {
          mtls: { enabledBackend: 'ca', backends: [{ name: 'ca', type: 'builtin' }, { name: 'other', type: 'builtin' }, { name: 'ca', type: 'builtin' }] },
        },
        violations: [{ field: 'spec.mtls.backends[2].name', reason: "must be unique within spec.mtls.backends, got 'ca' which spec.mtls.backends[0].name already uses" }],
      },
      {
        name: 'an enabled backend that is not declared',
        spec: { mtls: { enabledBackend: 'ca-3', backends: [{ name: 'ca-2', type: 'builtin' }, { name: 'ca-1', type: 'builtin' }] } },
        violations: [{ field: 'spec.mtls.enabledBackend', reason: "must name a backend of spec.mtls.backends (one of 'ca-1', 'ca-2'), got 'ca-3'" }],
      },
      {
        name: 'an enabled backend with no backend declared',
        spec: { mtls: { enabledBackend: 'ca-1' } },
        violations: [{ field: 'spec.mtls.enabledBackend', reason: "must name a backend of spec.mtls.backends, got 'ca-1' but no backend is declared" }],
      },
      {
        name: 'an empty enabled backend and a bad mode',
        spec: { mtls: { enabledBackend: '', mode: 'strict' } },
        violations: [
          { field: 'spec.mtls.enabledBackend', reason: 'must not be empty' },
          { field: 'spec.mtls.mode', reason: "must be one of 'PERMISSIVE', 'STRICT', got 'strict'" },
        ],
      },
      {
        name: 'a null mode',
        spec: { mtls: { mode: null } },
        violations: [{ field: 'spec.mtls.mode', reason: 'must be a string, got null' }],
      },
      {
        name: 'a provided backend without conf',
        spec: { mtls: { backends: [{ name: 'ca', type: 'provided' }] } },
        violations: [{ field: 'spec.mtls.backends[0].conf', reason: "is required for type 'provided'" }],
      },
      {
        name: 'a provided backend with bad secret references',
        spec: { mtls: { backends: [{ name: 'ca', type: 'provided', conf: { cert: { secret: 'Cert', file: '/x' }, caCert: {} } }] } },
        violations: [
          { field: 'spec.mtls.backends[0].conf.caCert', reason: 'unknown field' },
          { field: 'spec.mtls.backends[0].conf.cert.file', reason: 'unknown field' },
          {
            field: 'spec.mtls.backends[0].conf.cert.secret',
            reason: "must consist of lowercase alphanumeric characters, '-' or '.', and start and end with an alphanumeric character, got 'Cert'",
          },
          { field: 'spec.mtls.backends[0].conf.key', reason: 'is required' },
        ],
      },
      {
        name: 'a provided secret reference without a name',
        spec: { mtls: { backends: [{ name: 'ca', type: 'provided', conf: { cert: {}, key: 'ca-key' } }] } },
        violations: [
          { field: 'spec.mtls.backends[0].conf.cert.secret', reason: 'is required' },
          { field: 'spec.mtls.backends[0].conf.key', reason: 'must be an object, got string' },
        ],
      },
      {
        name: 'a builtin backend with provided-style conf',
        spec: { mtls: { backends: [{ name: 'ca', type: 'builtin', conf: { cert: { secret: 'a' } } }] } },
        violations: [{ field: 'spec.mtls.backends[0].conf.cert', reason: 'unknown field' }],
      },
      {
        name: 'bad durations',
        spec: {
          mtls: {
            backends: [
              { name: 'a', type: 'builtin', dpCert: { rotation: { expiration: '1 day' } }, conf: { caCert: { expiration: '0s' } } },
              { name: 'b', type: 'builtin', dpCert: { rotation: {} }, conf: { caCert: { expiration: 10 } } },
              { name: 'c', type: 'builtin', dpCert: { rotate: true }, conf: { caCert: { expiration: null } } },
            ],
          },
        },
        violations: [
          { field: 'spec.mtls.backends[0].dpCert.rotation.expiration', reason: "must be a duration such as '500ms', '10s', '5m' or '24h', got '1 day'" },
          { field: 'spec.mtls.backends[0].conf.caCert.expiration', reason: "must be a positive duration, got '0s'" },
          { field: 'spec.mtls.backends[1].dpCert.rotation.expiration', reason: 'is required' },
          { field: 'spec.mtls.backends[1].conf.caCert.expiration', reason: 'must be a string, got number' },
          { field: 'spec.mtls.backends[2].dpCert.rotate', reason: 'unknown field' },
          { field: 'spec.mtls.backends[2].conf.caCert.expiration', reason: 'must be a string, got null' },
        ],
      },
      {
        name: 'bad prometheus settings',
        spec: {
          metrics: {
            enabledBackend: 'prom',
            backends: [
              { name: 'prom-1', type: 'statsd', conf: { whatever: true } },
              { name: 'prom-2', type: 'prometheus', conf: { port: 0, path: 'metrics', tls: {} } },
              { name: 'prom-3', type: 'prometheus', conf: { port: 65536, path: '/a b' } },
              { name: 'prom-4', type: 'prometheus', conf: { port: 80.5, path: '/metrics?x=1' } },
              { name: 'prom-5', type: 'prometheus', conf: { port: '9090', path: '' } },
            ],
          },
        },
        violations: [
          { field: 'spec.metrics.backends[0].type', reason: "must be one of 'prometheus', got 'statsd'" },
          { field: 'spec.metrics.backends[1].conf.tls', reason: 'unknown field' },
          { field: 'spec.metrics.backends[1].conf.port', reason: 'must be between 1 and 65535, got 0' },
          { field: 'spec.metrics.backends[1].conf.path', reason: "must be a URL path starting with '/' and without spaces, '?' or '#', got 'metrics'" },
          { field: 'spec.metrics.backends[2].conf.port', reason: 'must be between 1 and 65535, got 65536' },
          { field: 'spec.metrics.backends[2].conf.path', reason: "must be a URL path starting with '/' and without spaces, '?' or '#', got '/a b'" },
          { field: 'spec.metrics.backends[3].conf.port', reason: 'must be an integer, got 80.5' },
          { field: 'spec.metrics.backends[3].conf.path', reason: "must be a URL path starting with '/' and without spaces, '?' or '#', got '/metrics?x=1'" },
          { field: 'spec.metrics.backends[4].conf.port', reason: 'must be an integer, got string' },
          { field: 'spec.metrics.backends[4].conf.path', reason: 'must not be empty' },
          { field: 'spec.metrics.enabledBackend', reason: "must name a backend of spec.metrics.backends (one of 'prom-1', 'prom-2', 'prom-3', 'prom-4', 'prom-5'), got 'prom'" },
        ],
      },
      {
        name: 'bad tracing backends',
        spec: {
          tracing: {
            defaultBackend: 'jaeger',
            backends: [
              { name: 'z1', type: 'zipkin', sampling: 101 },
              { name: 'z2', type: 'zipkin', sampling: '50', conf: { endpoint: 'zipkin:9411' } },
              { name: 'z3', type: 'zipkin', sampling: -1, conf: { url: 'zipkin:9411/api' } },
              { name: 'o1', type: 'otlp', conf: { endpoint: 'collector' } },
              { name: 'o2', type: 'otlp', conf: { endpoint: 'http://collector:4317' } },
              { name: 'o3', type: 'otlp', conf: { endpoint: 'collector:0' } },
              { name: 'o4', type: 'otlp', conf: { endpoint: '::1:4317' } },
              { name: 'j', type: 'jaeger', conf: { url: 'http://jaeger' } },
            ],
          },
        },
        violations: [
          { field: 'spec.tracing.backends[0].sampling', reason: 'must be between 0 and 100, got 101' },
          { field: 'spec.tracing.backends[0].conf', reason: "is required for type 'zipkin'" },
          { field: 'spec.tracing.backends[1].sampling', reason: 'must be a number, got string' },
          { field: 'spec.tracing.backends[1].conf.endpoint', reason: 'unknown field' },
          { field: 'spec.tracing.backends[1].conf.url', reason: 'is required' },
          { field: 'spec.tracing.backends[2].sampling', reason: 'must be between 0 and 100, got -1' },
          { field: 'spec.tracing.backends[2].conf.url', reason: "must be an absolute http or https URL, got 'zipkin:9411/api'" },
          {
            field: 'spec.tracing.backends[3].conf.endpoint',
            reason: "must be host:port with an IPv4 address, a [bracketed] IPv6 address or a DNS name and a port between 1 and 65535, got 'collector'",
          },
          {
            field: 'spec.tracing.backends[4].conf.endpoint',
            reason: "must be host:port with an IPv4 address, a [bracketed] IPv6 address or a DNS name and a port between 1 and 65535, got 'http://collector:4317'",
          },
          {
            field: 'spec.tracing.backends[5].conf.endpoint',
            reason: "must be host:port with an IPv4 address, a [bracketed] IPv6 address or a DNS name and a port between 1 and 65535, got 'collector:0'",
          },
          {
            field: 'spec.tracing.backends[6].conf.endpoint',
            reason: "must be host:port with an IPv4 address, a [bracketed] IPv6 address or a DNS name and a port between 1 and 65535, got '::1:4317'",
          },
          { field: 'spec.tracing.backends[7].type', reason: "must be one of 'zipkin', 'otlp', got 'jaeger'" },
          { field: 'spec.tracing.defaultBackend', reason: "must name a backend of spec.tracing.backends (one of 'j', 'o1', 'o2', 'o3', 'o4', 'z1', 'z2', 'z3'), got 'jaeger'" },
        ],
      },
      {
        name: 'bad logging backends',
        spec: {
          logging: {
            defaultBackend: 'missing',
            backends: [
              { name: 'f', type: 'file', format: '', conf: { path: 'access.log' } },
              { name: 't', type: 'tcp', conf: { address: '10.0.0.7:99999' } },
              { name: 't2', type: 'tcp', conf: { path: '/x' } },
              { name: 'o', type: 'otlp', format: 7 },
              { name: 's', type: 'syslog', conf: {} },
            ],
          },
        },
        violations: [
          { field: 'spec.logging.backends[0].format', reason: 'must not be empty' },
          { field: 'spec.logging.backends[0].conf.path', reason: "must be an absolute file path, got 'access.log'" },
          {
            field: 'spec.logging.backends[1].conf.address',
            reason: "must be host:port with an IPv4 address, a [bracketed] IPv6 address or a DNS name and a port between 1 and 65535, got '10.0.0.7:99999'",
          },
          { field: 'spec.logging.backends[2].conf.path', reason: 'unknown field' },
          { field: 'spec.logging.backends[2].conf.address', reason: 'is required' },
          { field: 'spec.logging.backends[3].format', reason: 'must be a string, got number' },
          { field: 'spec.logging.backends[3].conf', reason: "is required for type 'otlp'" },
          { field: 'spec.logging.backends[4].type', reason: "must be one of 'file', 'tcp', 'otlp', got 'syslog'" },
          { field: 'spec.logging.defaultBackend', reason: "must name a backend of spec.logging.backends (one of 'f', 'o', 's', 't', 't2'), got 'missing'" },
        ],
      },
      {
        name: 'backend names are unique per section, not across sections',
        spec: {
          tracing: { backends: [{ name: 'otel', type: 'otlp', conf: { endpoint: 'c:4317' } }, { name: 'otel', type: 'otlp', conf: { endpoint: 'c:4317' } }] },
          logging: { backends: [{ name: 'otel', type: 'otlp', conf: { endpoint: 'c:4317' } }] },
        },
        violations: [{ field: 'spec.tracing.backends[1].name', reason: "must be unique within spec.tracing.backends, got 'otel' which spec.tracing.backends[0].name already uses" }],
      },
      {
        name: 'non-boolean networking and routing flags',
        spec: { networking: { outbound: { passthrough: 'yes', mode: 'x' } }, routing: { localityAwareLoadBalancing: 1, zoneEgress: 'false' } },
        violations: [
          { field: 'spec.networking.outbound.mode', reason: 'unknown field' },
          { field: 'spec.networking.outbound.passthrough', reason: 'must be a boolean, got string' },
          { field: 'spec.routing.localityAwareLoadBalancing', reason: 'must be a boolean, got number' },
          { field: 'spec.routing.zoneEgress', reason: 'must be a boolean, got string' },
        ],
      },
    ],
  );
});
