import assert from 'node:assert/strict';
import { grpcBootstrap } from './grpc-bootstrap';

describe('gRPC xDS bootstrap', () => {
  const base = { mesh: 'default', name: 'echo-client-1', token: 'tok.en.x', zone: 'zone-1', service: 'echo-client', xdsAddress: '10.0.0.100', xdsPort: 5678 };

  it('names the control plane, the node (with locality and its token in metadata) and the server listener template', () => {
    assert.deepEqual(grpcBootstrap({ ...base, versions: { mycelDp: '0.1.0' } }), {
      xds_servers: [{ server_uri: '10.0.0.100:5678', channel_creds: [{ type: 'insecure' }], server_features: ['xds_v3'] }],
      node: {
        id: 'default.echo-client-1',
        cluster: 'echo-client',
        locality: { zone: 'zone-1' },
        metadata: {
          'mycel.io/mesh': 'default',
          'mycel.io/name': 'echo-client-1',
          'mycel.io/proxy-kind': 'grpc',
          'mycel.io/token': 'tok.en.x',
          'mycel.io/version': { mycelDp: '0.1.0' },
        },
      },
      server_listener_resource_name_template: 'grpc/server?xds.resource.listening_address=%s',
    });
  });

  it('brackets an IPv6 control plane address and keeps a host name as is', () => {
    assert.equal((grpcBootstrap({ ...base, xdsAddress: 'fd00::1' }).xds_servers as Array<{ server_uri: string }>)[0]?.server_uri, '[fd00::1]:5678');
    assert.equal((grpcBootstrap({ ...base, xdsAddress: 'cp.example' }).xds_servers as Array<{ server_uri: string }>)[0]?.server_uri, 'cp.example:5678');
  });
});
