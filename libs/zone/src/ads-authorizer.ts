import type { Metadata } from '@grpc/grpc-js';
import { DataplaneType, ForbiddenError, MalformedInputError, NotFoundError, UnauthenticatedError, nameProblem } from '@mycel/core';
import type { DataplaneSpec } from '@mycel/core';
import type { ResourceStore } from '@mycel/store';
import { TokenRejectedError } from '@mycel/tokens';
import { silentLogger } from '@mycel/telemetry';
import type { Logger } from '@mycel/telemetry';
import type { AdsAuthorizer, AdsIdentity, AdsNode } from '@mycel/xds';
import { DataplaneTokenForbiddenError, authorizeDataplane } from './dataplane-tokens';
import type { DataplaneTokenValidator } from './dataplane-tokens';
import { NODE_MESH_KEY, NODE_NAME_KEY, NODE_TOKEN_KEY, nodeMetadataString } from './bootstrap/node-metadata';

/** Options of {@link createAdsAuthorizer}. */
export interface AdsAuthorizerOptions {
  readonly store: ResourceStore;
  readonly validator: Pick<DataplaneTokenValidator, 'authenticate'>;
  readonly logger?: Logger;
}

/** The dataplane an ADS node stands for. */
export interface NodeDataplane {
  readonly mesh: string;
  readonly name: string;
  /** `<mesh>.<name>`: the key of its snapshot. */
  readonly nodeId: string;
}

/**
 * The ADS stream admission of dataplanes. For the first request of a stream it:
 * 1. takes the dataplane token from the `authorization: Bearer <token>` call metadata (Envoy) or
 *    from node metadata `mycel.io/token` (proxyless gRPC) — UNAUTHENTICATED when there is none, or
 *    two different ones;
 * 2. resolves the node to a dataplane ({@link dataplaneOfNode}; INVALID_ARGUMENT when it cannot);
 * 3. validates the token for that mesh and name (UNAUTHENTICATED: malformed, bad signature, unknown
 *    key, expired, revoked …; PERMISSION_DENIED: token of another mesh or dataplane);
 * 4. requires the Dataplane to exist (NOT_FOUND: bootstrap registers it) and to carry the token's tags
 *    on every inbound (PERMISSION_DENIED).
 * It resolves to `{nodeId: '<mesh>.<name>'}`. Store failures reject (the stream ends UNAVAILABLE or
 * INTERNAL) rather than being reported as the client's fault.
 */
export function createAdsAuthorizer(options: AdsAuthorizerOptions): AdsAuthorizer {
  const { store, validator } = options;
  const logger = options.logger ?? silentLogger;
  return async (node: AdsNode, metadata: Metadata): Promise<AdsIdentity | Error> => {
    const refuse = (err: Error): Error => {
      const reason = err instanceof TokenRejectedError || err instanceof DataplaneTokenForbiddenError ? err.reason : err.name;
      logger.warn('ADS stream refused', { nodeId: node.id, reason, error: err.message });
      return err;
    };
    const token = tokenOfStream(node, metadata);
    if (token instanceof Error) return refuse(token);
    const dataplane = dataplaneOfNode(node);
    if (dataplane instanceof Error) return refuse(dataplane);
    const { mesh, name, nodeId } = dataplane;
    try {
      // Both reads at once (one round trip of a networked store instead of two in a row); the
      // token's verdict is still reported first, so the answers are those of checking in order.
      const [checked, found] = await Promise.allSettled([validator.authenticate(token, { mesh, name }), store.find({ type: DataplaneType.name, mesh, name })]);
      if (checked.status === 'rejected') throw checked.reason;
      if (found.status === 'rejected') throw found.reason;
      const identity = checked.value;
      const stored = found.value;
      if (stored === undefined) return refuse(new NotFoundError(`dataplane ${mesh}/${name} does not exist; bootstrap it (POST /bootstrap) to register it`));
      authorizeDataplane(identity, stored.spec as DataplaneSpec);
      return { nodeId };
    } catch (err) {
      if (err instanceof UnauthenticatedError || err instanceof ForbiddenError) return refuse(err);
      throw err;
    }
  };
}

/**
 * The dataplane an ADS node stands for. Its id must be `<mesh>.<name>`. When node metadata has
 * `mycel.io/mesh` and `mycel.io/name` (every Mycel bootstrap sets them), they name the mesh and
 * the dataplane and the id must equal `<mesh>.<name>`; without them the id is split at its first
 * dot — so a hand-written bootstrap for a mesh whose name contains a dot must set the metadata.
 * Returns a MalformedInputError (→ INVALID_ARGUMENT) when the node does not name a dataplane.
 */
export function dataplaneOfNode(node: AdsNode): NodeDataplane | MalformedInputError {
  const id = node.id ?? '';
  const metaMesh = nodeMetadataString(node.metadata, NODE_MESH_KEY);
  const metaName = nodeMetadataString(node.metadata, NODE_NAME_KEY);
  let mesh: string;
  let name: string;
  if (metaMesh !== undefined || metaName !== undefined) {
    if (metaMesh === undefined || metaName === undefined) {
      return new MalformedInputError(`node metadata must set both ${NODE_MESH_KEY} and ${NODE_NAME_KEY}, or neither`);
    }
    if (id !== `${metaMesh}.${metaName}`) {
      return new MalformedInputError(`node id '${id}' must be '${metaMesh}.${metaName}' (<mesh>.<name> from node metadata ${NODE_MESH_KEY} and ${NODE_NAME_KEY})`);
    }
    mesh = metaMesh;
    name = metaName;
  } else {
    const dot = id.indexOf('.');
    if (dot <= 0 || dot === id.length - 1) return new MalformedInputError(`node id '${id}' must be <mesh>.<name>`);
    mesh = id.slice(0, dot);
    name = id.slice(dot + 1);
  }
  const problem = nameProblem(mesh) ?? nameProblem(name);
  if (problem !== undefined) {
    return new MalformedInputError(`node id '${id}' does not name a dataplane: ${nameProblem(mesh) !== undefined ? 'mesh' : 'name'} ${problem}`);
  }
  return { mesh, name, nodeId: `${mesh}.${name}` };
}

/**
 * The dataplane token of a stream: from `authorization: Bearer <token>` call metadata, or from node
 * metadata `mycel.io/token`. A TokenRejectedError when there is none, when the authorization
 * metadata is not a single Bearer credential, or when both are sent and differ.
 */
export function tokenOfStream(node: AdsNode, metadata: Metadata): string | TokenRejectedError {
  const values = metadata.get('authorization');
  let header: string | undefined;
  if (values.length > 1) return new TokenRejectedError('malformed', 'the stream carries more than one authorization metadata value');
  if (values.length === 1) {
    const raw = values[0];
    const m = typeof raw === 'string' ? /^Bearer +(\S+) *$/i.exec(raw) : null;
    if (!m) return new TokenRejectedError('malformed', "authorization metadata must be 'Bearer <dataplane token>'");
    header = m[1] as string;
  }
  const fromNode = nodeMetadataString(node.metadata, NODE_TOKEN_KEY);
  if (header !== undefined && fromNode !== undefined && fromNode !== header) {
    return new TokenRejectedError('malformed', `the stream carries two different tokens (authorization metadata and node metadata ${NODE_TOKEN_KEY})`);
  }
  const token = header ?? fromNode;
  if (token === undefined || token === '') {
    return new TokenRejectedError('missing', `no dataplane token: send 'authorization: Bearer <token>' call metadata or node metadata ${NODE_TOKEN_KEY}`);
  }
  return token;
}
