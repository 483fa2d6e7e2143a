import assert from 'node:assert/strict';
import { nodeIdCandidates } from './node-id';
import { proxyKindOfNode } from './proxy-kind';

describe('proxyKindOfNode', () => {
  it('tells gRPC xDS clients from Envoy, and honours the declared kind', () => {
    assert.equal(proxyKindOfNode({ id: 'm.a', user_agent_name: 'gRPC Node Pure JS' }), 'grpc');
    assert.equal(proxyKindOfNode({ id: 'm.a', user_agent_name: 'gRPC Go' }), 'grpc');
    assert.equal(proxyKindOfNode({ id: 'm.a', user_agent_name: 'envoy' }), 'envoy');
    assert.equal(proxyKindOfNode({ id: 'm.a' }), 'envoy');
    const declared = { fields: { 'mycel.io/proxy-kind': { string_value: 'grpc', kind: 'string_value' } } };
    assert.equal(proxyKindOfNode({ id: 'm.a', user_agent_name: 'envoy', metadata: declared }), 'grpc');
    assert.equal(proxyKindOfNode({ id: 'm.a', user_agent_name: 'gRPC Go', metadata: { 'mycel.io/proxy-kind': 'envoy' } }), 'envoy');
  });
});

describe('nodeIdCandidates', () => {
  it('lists every mesh/name split', () => {
    assert.deepEqual(nodeIdCandidates('default.web-1'), [{ mesh: 'default', name: 'web-1' }]);
    assert.deepEqual(nodeIdCandidates('a.b.c'), [
      { mesh: 'a', name: 'b.c' },
      { mesh: 'a.b', name: 'c' },
    ]);
    assert.deepEqual(nodeIdCandidates('nodot'), []);
    assert.deepEqual(nodeIdCandidates('.x'), []);
    assert.deepEqual(nodeIdCandidates('x.'), []);
  });
});
