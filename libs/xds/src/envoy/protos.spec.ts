import assert from 'node:assert/strict';
import * as protobuf from 'protobufjs';
import { UnknownEnvoyTypeError } from './errors';
import { ENVOY_PROTO_FILES, envoyProtoRoot, lookupMessageType, typeNameOfUrl, typeUrlOf } from './protos';
import { EnvoyTypes } from './type-names';

describe('envoy protos', () => {
  it('loads one memoised root from the @grpc/grpc-js-xds deps', () => {
    assert.equal(envoyProtoRoot(), envoyProtoRoot());
    assert.ok(ENVOY_PROTO_FILES.length > 10);
  });

  it('holds every message type the generators and the bootstrap need', () => {
    for (const name of [...Object.values(EnvoyTypes), 'envoy.config.core.v3.Node', 'google.protobuf.Duration', 'google.protobuf.Any', 'google.protobuf.Struct']) {
      assert.ok(lookupMessageType(name) instanceof protobuf.Type, name);
    }
    assert.equal(lookupMessageType(`.${EnvoyTypes.listener}`).fullName, `.${EnvoyTypes.listener}`);
  });

  it('resolves the protoc-gen-validate annotations into parsedOptions', () => {
    const port = lookupMessageType('envoy.config.core.v3.SocketAddress').fields['port_value'];
    assert.deepEqual(port?.parsedOptions, [{ '(validate.rules)': { uint32: { lte: 65535 } } }]);
    const name = lookupMessageType(EnvoyTypes.cluster).fields['name'];
    assert.deepEqual(name?.parsedOptions, [{ '(validate.rules)': { string: { min_len: 1 } } }]);
  });

  it('throws a typed error for a type that is not loaded', () => {
    assert.throws(() => lookupMessageType('envoy.config.listener.v3.Listenr'), (err: unknown) => err instanceof UnknownEnvoyTypeError && err.typeName === 'envoy.config.listener.v3.Listenr');
    // A package is not a message type.
    assert.throws(() => lookupMessageType('envoy.config.listener.v3'), UnknownEnvoyTypeError);
  });

  it('converts between type names and type URLs', () => {
    assert.equal(typeUrlOf(EnvoyTypes.cluster), 'type.googleapis.com/envoy.config.cluster.v3.Cluster');
    assert.equal(typeUrlOf(`.${EnvoyTypes.cluster}`), 'type.googleapis.com/envoy.config.cluster.v3.Cluster');
    assert.equal(typeNameOfUrl('type.googleapis.com/envoy.config.cluster.v3.Cluster'), EnvoyTypes.cluster);
  });
});
