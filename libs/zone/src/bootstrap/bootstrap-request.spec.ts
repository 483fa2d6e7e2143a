import assert from 'node:assert/strict';
import { ValidationError } from '@mycel/core';
import type { Violation } from '@mycel/core';
import { parseBootstrapRequest } from './bootstrap-request';

function violations(body: unknown): Violation[] {
  try {
    parseBootstrapRequest(body);
  } catch (err) {
    assert.ok(err instanceof ValidationError);
    return [...err.violations];
  }
  assert.fail('expected a ValidationError');
}

describe('parseBootstrapRequest', () => {
  it('accepts a full envoy request and a minimal grpc one', () => {
    const dataplane = { type: 'Dataplane', spec: {} };
    assert.deepEqual(parseBootstrapRequest({ mesh: 'default', name: 'web-1', token: 't', kind: 'envoy', dataplane, adminPort: 9902, version: { envoy: '1.31.0', mycelDp: '0.1.0' } }), {
      mesh: 'default',
      name: 'web-1',
      token: 't',
      kind: 'envoy',
      dataplane,
      adminPort: 9902,
      version: { envoy: '1.31.0', mycelDp: '0.1.0' },
    });
    assert.deepEqual(parseBootstrapRequest({ mesh: 'default', name: 'web-1', kind: 'grpc' }), { mesh: 'default', name: 'web-1', token: '', kind: 'grpc' });
  });

  it('reports every problem with its field, unknown fields included', () => {
    assert.deepEqual(violations({ mesh: 'Default', kind: 'sidecar', token: 5, dataplane: [], adminPort: 0, version: { envoy: 'a b', other: 'x' }, extra: true }), [
      { field: 'extra', reason: 'unknown field' },
      { field: 'mesh', reason: "must consist of lowercase alphanumeric characters, '-' or '.', and start and end with an alphanumeric character, got 'Default'" },
      { field: 'name', reason: 'is required' },
      { field: 'kind', reason: "must be one of 'envoy', 'grpc', got 'sidecar'" },
      { field: 'token', reason: 'must be a string, got number' },
      { field: 'dataplane', reason: 'must be an object (a Dataplane resource), got array' },
      { field: 'adminPort', reason: 'must be between 1 and 65535, got 0' },
      { field: 'version.other', reason: 'unknown field' },
      { field: 'version.envoy', reason: 'must consist of printable ASCII characters without spaces' },
    ]);
    assert.deepEqual(violations('not an object'), [{ field: '(root)', reason: 'must be an object, got string' }]);
  });

  it('refuses an admin port for a proxyless application and an oversized token', () => {
    assert.deepEqual(violations({ mesh: 'm', name: 'n', kind: 'grpc', adminPort: 9901 }), [
      { field: 'adminPort', reason: "must be absent for kind 'grpc': a proxyless application has no Envoy admin API" },
    ]);
    assert.deepEqual(violations({ mesh: 'm', name: 'n', kind: 'envoy', token: 'x'.repeat(8193) }), [{ field: 'token', reason: 'must be at most 8192 characters, got 8193' }]);
  });
});
