import type { AdsNode, ProxyKind } from '@mycel/xds';
import { NODE_PROXY_KIND_KEY, nodeMetadataString } from '../bootstrap/node-metadata';

/**
 * The kind of dataplane behind an ADS node: the `mycel.io/proxy-kind` node metadata the bootstraps
 * set, else `grpc` for gRPC's own xDS clients (their `user_agent_name` starts with `gRPC`, e.g.
 * `gRPC Node Pure JS`, `gRPC Go`), else `envoy`.
 */
export function proxyKindOfNode(node: AdsNode): ProxyKind {
  const declared = nodeMetadataString(node.metadata, NODE_PROXY_KIND_KEY);
  if (declared === 'grpc' || declared === 'envoy') return declared;
  const agent = node['user_agent_name'];
  return typeof agent === 'string' && /^grpc\b/i.test(agent) ? 'grpc' : 'envoy';
}
