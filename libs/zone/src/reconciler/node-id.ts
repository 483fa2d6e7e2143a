import type { AdsNode } from '@mycel/xds';
import { NODE_MESH_KEY, NODE_NAME_KEY, nodeMetadataString } from '../bootstrap/node-metadata';

/** A dataplane as the reconciler and insights name it. */
export interface DataplaneRef {
  readonly mesh: string;
  readonly name: string;
}

/**
 * The xDS node id of a dataplane: `<mesh>.<name>`, the key of its snapshot in the SnapshotCache and
 * what the ADS authorizer resolves a stream to.
 */
export function dataplaneNodeId(mesh: string, name: string): string {
  return `${mesh}.${name}`;
}

/**
 * Every (mesh, name) a node id can stand for, first dot first. Names may contain dots, so
 * `a.b.c` is mesh `a` + dataplane `b.c` or mesh `a.b` + dataplane `c`; callers pick the candidate
 * that exists.
 */
export function nodeIdCandidates(nodeId: string): DataplaneRef[] {
  const out: DataplaneRef[] = [];
  for (let i = nodeId.indexOf('.'); i > 0 && i < nodeId.length - 1; i = nodeId.indexOf('.', i + 1)) {
    out.push({ mesh: nodeId.slice(0, i), name: nodeId.slice(i + 1) });
  }
  return out;
}

/**
 * The dataplane an ADS node says it is: the `mycel.io/mesh` and `mycel.io/name` node metadata the
 * bootstraps set, when they agree with `nodeId` (they tell the parts of a dotted id apart).
 */
export function dataplaneRefOfNode(nodeId: string, node: AdsNode): DataplaneRef | undefined {
  const mesh = nodeMetadataString(node.metadata, NODE_MESH_KEY);
  const name = nodeMetadataString(node.metadata, NODE_NAME_KEY);
  if (mesh === undefined || name === undefined || dataplaneNodeId(mesh, name) !== nodeId) return undefined;
  return { mesh, name };
}
