import assert from 'node:assert/strict';
import { ConflictError, ForbiddenError, NotFoundError } from '@mycel/core';
import type { Identity } from '@mycel/tokens';
import type { GlobalApiExtensions, ZoneTokenRequest } from './context';
import { ZoneTokenService, parseZoneTokenRequest, parseZoneTokenRevocation } from './zone-token.service';
import { violationsOf } from '@mycel/testing';

const admin: Identity = { name: 'admin', role: 'admin', meshes: [], jti: 'a', expiresAt: new Date('2030-01-01T00:00:00Z') };
const viewer: Identity = { ...admin, name: 'v', role: 'viewer' };
const ID = `U${'A'.repeat(55)}`;

describe('zone token requests', () => {
  it('defaults validFor to one year and reads a valid body', () => {
    assert.deepEqual(parseZoneTokenRequest({ zone: 'east' }), { zone: 'east', validForMs: 8760 * 3_600_000 });
    assert.deepEqual(parseZoneTokenRequest({ zone: 'east', validFor: '2s' }), { zone: 'east', validForMs: 2000 });
  });

  it('reports every problem with its field path', () => {
    assert.deepEqual(violationsOf(() => parseZoneTokenRequest({ zone: 'East_1', validFor: 'forever', extra: 1 })), [
      'extra: unknown field',
      "zone: must consist of lowercase alphanumeric characters, '-' or '.', and start and end with an alphanumeric character, got 'East_1'",
      "validFor: must be a duration such as '500ms', '10s', '5m' or '24h', got 'forever'",
    ]);
    assert.deepEqual(violationsOf(() => parseZoneTokenRequest({ validFor: 5 })), ['zone: is required', 'validFor: must be a string, got number']);
    assert.deepEqual(violationsOf(() => parseZoneTokenRequest({ zone: 'east', validFor: '100000h' })), ['validFor: must be between 1000ms and 315360000000ms, got 360000000000ms']);
    assert.deepEqual(violationsOf(() => parseZoneTokenRequest({ zone: 'east', validFor: '500ms' })), ['validFor: must be between 1000ms and 315360000000ms, got 500ms']);
    assert.deepEqual(violationsOf(() => parseZoneTokenRequest([])), ['(root): must be an object, got array']);
    assert.deepEqual(violationsOf(() => parseZoneTokenRevocation({ id: 'nope' })), ['id: must be a zone token id: a public user nkey, U followed by 55 base32 characters']);
    assert.equal(parseZoneTokenRevocation({ id: ID }), ID);
  });
});

describe('ZoneTokenService', () => {
  const issued: ZoneTokenRequest[] = [];
  const revoked: string[] = [];
  const global: GlobalApiExtensions = {
    zoneStatus: () => undefined,
    zoneTokens: {
      issueZoneToken: (request) => {
        issued.push(request);
        return Promise.resolve({ token: 'creds', id: ID, zone: request.zone, expiresAt: new Date('2027-01-01T00:00:00Z') });
      },
      revokeZoneToken: (id) => Promise.resolve(void revoked.push(id)),
    },
  };

  it('issues and revokes for an admin on a global control plane in zone-token mode', async () => {
    const s = new ZoneTokenService('global', global);
    assert.deepEqual(await s.issue(admin, { zone: 'east', validFor: '1h' }), { token: 'creds', id: ID, zone: 'east', expiresAt: '2027-01-01T00:00:00Z' });
    assert.deepEqual(issued, [{ zone: 'east', validForMs: 3_600_000 }]);
    await s.revoke(admin, { id: ID });
    assert.deepEqual(revoked, [ID]);
  });

  it('refuses non-admins (403), other modes (404) and a global without zone-token mode (409), saying why', async () => {
    await assert.rejects(new ZoneTokenService('global', global).issue(viewer, { zone: 'east' }), ForbiddenError);
    await assert.rejects(new ZoneTokenService('global', global).revoke({ ...viewer, role: 'operator', meshes: ['default'] }, { id: ID }), ForbiddenError);
    await assert.rejects(new ZoneTokenService('standalone', undefined).issue(admin, { zone: 'east' }), (err: unknown) => err instanceof NotFoundError && /issued by the global control plane; this control plane runs in standalone mode/.test(err.message));
    await assert.rejects(new ZoneTokenService('zone', undefined).revoke(admin, { id: ID }), (err: unknown) => err instanceof NotFoundError && /runs in zone mode/.test(err.message));
    await assert.rejects(new ZoneTokenService('global', { zoneStatus: () => undefined }).issue(admin, { zone: 'east' }), (err: unknown) => err instanceof ConflictError && /--kds-auth-dir/.test(err.message));
  });
});
