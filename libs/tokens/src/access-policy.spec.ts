import assert from 'node:assert/strict';
import { ForbiddenError, NO_KDS, type ResourceScope, type ResourceTypeDescriptor } from '@mycel/core';
import { authorize, checkAccess, type Action } from './access-policy';
import type { Identity, Role } from './identity';

function type(name: string, scope: ResourceScope, sensitive = false): ResourceTypeDescriptor {
  const plural = `${name.toLowerCase()}s`;
  return {
    name,
    plural,
    singular: name.toLowerCase(),
    scope,
    kds: NO_KDS,
    isPolicy: false,
    readOnly: false,
    sensitive,
    description: `test type ${name}`,
    validate: () => [],
  };
}

const Mesh = type('Mesh', 'global');
const Zone = type('Zone', 'global');
const Dataplane = type('Dataplane', 'mesh');
const Secret = type('Secret', 'mesh', true);
const GlobalSecret = type('GlobalSecret', 'global', true);

function who(role: Role, meshes: string[] = []): Identity {
  return { name: role, role, meshes, jti: 'j', expiresAt: new Date(0) };
}

const admin = who('admin');
const operator = who('operator', ['a', 'b']);
const viewer = who('viewer');

type Row = [label: string, action: Action, admin: boolean, operator: boolean, viewer: boolean];

// Each row: action, then whether admin / operator (meshes a, b) / viewer may do it.
const MATRIX: Row[] = [
  ['read Dataplane in a', { verb: 'read', descriptor: Dataplane, mesh: 'a' }, true, true, true],
  ['read Dataplane in c', { verb: 'read', descriptor: Dataplane, mesh: 'c', name: 'web' }, true, true, true],
  ['list Dataplanes across meshes', { verb: 'read', descriptor: Dataplane }, true, true, true],
  ['read Zone', { verb: 'read', descriptor: Zone, name: 'east' }, true, true, true],
  ['read Mesh c', { verb: 'read', descriptor: Mesh, name: 'c' }, true, true, true],
  ['create Dataplane in a', { verb: 'write', descriptor: Dataplane, mesh: 'a', operation: 'create' }, true, true, false],
  ['delete Dataplane in b', { verb: 'write', descriptor: Dataplane, mesh: 'b', name: 'x', operation: 'delete' }, true, true, false],
  ['write Dataplane in c', { verb: 'write', descriptor: Dataplane, mesh: 'c', operation: 'update' }, true, false, false],
  ['write Dataplane, no mesh', { verb: 'write', descriptor: Dataplane }, true, false, false],
  ['write Zone', { verb: 'write', descriptor: Zone, name: 'east', operation: 'create' }, true, false, false],
  ['update Mesh a', { verb: 'write', descriptor: Mesh, name: 'a', operation: 'update' }, true, true, false],
  ['update Mesh c', { verb: 'write', descriptor: Mesh, name: 'c', operation: 'update' }, true, false, false],
  ['create Mesh a', { verb: 'write', descriptor: Mesh, name: 'a', operation: 'create' }, true, false, false],
  ['delete Mesh a', { verb: 'write', descriptor: Mesh, name: 'a', operation: 'delete' }, true, false, false],
  ['write Mesh a, operation unknown', { verb: 'write', descriptor: Mesh, name: 'a' }, true, false, false],
  ['read Secret in a', { verb: 'read', descriptor: Secret, mesh: 'a', name: 's' }, true, false, false],
  ['write Secret in a', { verb: 'write', descriptor: Secret, mesh: 'a', operation: 'create' }, true, false, false],
  ['read GlobalSecret', { verb: 'read', descriptor: GlobalSecret, name: 'g' }, true, false, false],
  ['write GlobalSecret', { verb: 'write', descriptor: GlobalSecret, operation: 'update' }, true, false, false],
  ['admin: issue tokens', { verb: 'admin', what: 'issue user tokens' }, true, false, false],
];

describe('access policy', () => {
  for (const [label, action, ...expected] of MATRIX) {
    for (const [i, identity] of [admin, operator, viewer].entries()) {
      const allowed = expected[i] as boolean;
      it(`${identity.role} ${allowed ? 'may' : 'may not'} ${label}`, () => {
        assert.equal(checkAccess(identity, action).allowed, allowed);
        if (allowed) authorize(identity, action);
        else assert.throws(() => authorize(identity, action), ForbiddenError);
      });
    }
  }

  it('an operator whose token lists no meshes may only read', () => {
    const none = who('operator', []);
    assert.equal(checkAccess(none, { verb: 'read', descriptor: Dataplane, mesh: 'a' }).allowed, true);
    assert.equal(checkAccess(none, { verb: 'write', descriptor: Dataplane, mesh: 'a', operation: 'create' }).allowed, false);
  });

  it('explains each refusal', () => {
    const reason = (identity: Identity, action: Action): string => {
      const d = checkAccess(identity, action);
      assert.equal(d.allowed, false);
      return d.allowed ? '' : d.reason;
    };
    assert.match(reason(viewer, { verb: 'write', descriptor: Dataplane, mesh: 'a' }), /viewer role is read-only/);
    assert.match(reason(operator, { verb: 'read', descriptor: Secret, mesh: 'a' }), /secret material, only admins/);
    assert.match(
      reason(operator, { verb: 'write', descriptor: Dataplane, mesh: 'c', operation: 'create' }),
      /in mesh 'c': the token lists only 'a', 'b'/,
    );
    assert.match(reason(operator, { verb: 'write', descriptor: Zone, operation: 'create' }), /global-scoped resources are admin-only/);
    assert.match(reason(operator, { verb: 'write', descriptor: Mesh, name: 'a', operation: 'delete' }), /may not delete meshes/);
    assert.match(reason(operator, { verb: 'write', descriptor: Mesh, name: 'c', operation: 'update' }), /may not update mesh 'c'/);
    assert.match(reason(viewer, { verb: 'admin', what: 'issue user tokens' }), /may not issue user tokens; only admins/);
    assert.throws(() => authorize(viewer, { verb: 'admin' }), { name: 'ForbiddenError', code: 'FORBIDDEN' });
  });
});
