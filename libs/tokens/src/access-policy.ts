import { ForbiddenError, MESH_TYPE, type ResourceTypeDescriptor } from '@mycel/core';
import type { Identity } from './identity';

/** The kind of a write; needed because operators may update, but not create or delete, their meshes. */
export type WriteOperation = 'create' | 'update' | 'delete';

/**
 * What a caller wants to do. `read`/`write` address one type, optionally one mesh and name (a list
 * across meshes has no `mesh`); `admin` covers everything that is not a resource: issuing or revoking
 * tokens, signing-key rotation and the like (`what` only feeds the message).
 */
export type Action =
  | { readonly verb: 'read'; readonly descriptor: ResourceTypeDescriptor; readonly mesh?: string; readonly name?: string }
  | {
      readonly verb: 'write';
      readonly descriptor: ResourceTypeDescriptor;
      readonly mesh?: string;
      readonly name?: string;
      /** Absent means "some write"; operators are then refused on Mesh objects (fail closed). */
      readonly operation?: WriteOperation;
    }
  | { readonly verb: 'admin'; readonly what?: string };

/** Outcome of {@link checkAccess}: allowed, or refused with a reason fit to show the caller. */
export type AccessDecision = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

const ALLOWED: AccessDecision = { allowed: true };

/**
 * Decides whether `identity` may perform `action`; never throws. The matrix:
 *
 * | action                                         | admin | operator                      | viewer |
 * |------------------------------------------------|-------|-------------------------------|--------|
 * | read, non-sensitive type                       | yes   | yes (every mesh)              | yes    |
 * | read/write, sensitive type (secrets)           | yes   | no                            | no     |
 * | write, mesh-scoped type                        | yes   | only in a mesh of its token   | no     |
 * | write Mesh, operation `update`                 | yes   | only the meshes of its token  | no     |
 * | write Mesh, `create`/`delete`/unspecified      | yes   | no                            | no     |
 * | write, other global-scoped type                | yes   | no                            | no     |
 * | admin (tokens, keys)                           | yes   | no                            | no     |
 *
 * Whether a type accepts writes at all (`descriptor.readOnly`) is the API's concern (405), not this one's.
 */
export function checkAccess(identity: Identity, action: Action): AccessDecision {
  if (identity.role === 'admin') return ALLOWED;
  const who = `user '${identity.name}' (${identity.role})`;
  if (action.verb === 'admin') {
    return deny(`${who} may not ${action.what ?? 'perform administrative actions'}; only admins may`);
  }
  const type = action.descriptor.name;
  if (action.descriptor.sensitive) {
    return deny(`${who} may not ${action.verb} ${type}: it holds secret material, only admins may read or write it`);
  }
  if (action.verb === 'read') return ALLOWED;
  if (identity.role !== 'operator') return deny(`${who} may not write ${type}: the ${identity.role} role is read-only`);

  if (type === MESH_TYPE) {
    if (action.operation !== 'update') {
      return deny(`${who} may not ${action.operation ?? 'create or delete'} meshes; operators may only update meshes listed in their token`);
    }
    if (action.name === undefined || !identity.meshes.includes(action.name)) {
      return deny(`${who} may not update mesh '${action.name ?? '(unnamed)'}': ${listed(identity)}`);
    }
    return ALLOWED;
  }
  if (action.descriptor.scope === 'global') {
    return deny(`${who} may not write ${type}: global-scoped resources are admin-only`);
  }
  if (action.mesh === undefined) return deny(`${who} may not write ${type} without naming its mesh`);
  if (!identity.meshes.includes(action.mesh)) {
    return deny(`${who} may not write ${type} in mesh '${action.mesh}': ${listed(identity)}`);
  }
  return ALLOWED;
}

/** Like {@link checkAccess}, but throws ForbiddenError with the reason when the action is refused. */
export function authorize(identity: Identity, action: Action): void {
  const decision = checkAccess(identity, action);
  if (!decision.allowed) throw new ForbiddenError(decision.reason);
}

function deny(reason: string): AccessDecision {
  return { allowed: false, reason };
}

function listed(identity: Identity): string {
  return identity.meshes.length === 0
    ? 'the token lists no meshes'
    : `the token lists only ${identity.meshes.map((m) => `'${m}'`).join(', ')}`;
}
