import assert from 'node:assert/strict';
import { api1, grpcClient1, meshContext, policy, web1 } from '../test-support/fixtures.test-helper';
import { fromRuleFor, toRuleFor } from './rule-lookup';
import type { PolicyTypeRules } from './rules';
import { computeRules } from './rules';

const ctx = meshContext();

function timeouts(dp = web1, ...policies: ReturnType<typeof policy>[]): PolicyTypeRules {
  const rules = computeRules(dp, ctx, policies);
  const t = rules.types['MeshTimeout'];
  assert.ok(t);
  return t;
}

describe('computeRules', () => {
  it('lists every policy type, empty without policies, as plain JSON', () => {
    const rules = computeRules(web1, ctx, []);
    assert.deepEqual(rules, {
      mesh: 'default',
      dataplane: 'web-1',
      types: {
        MeshHTTPRoute: { policies: [], to: [], from: [], invalid: [] },
        MeshTimeout: { policies: [], to: [], from: [], invalid: [] },
      },
    });
    assert.deepEqual(Object.keys(rules.types), ['MeshHTTPRoute', 'MeshTimeout']);
  });

  it('merges to[] confs by policy order: specificity, then origin, then name', () => {
    const t = timeouts(
      web1,
      policy('MeshTimeout', 'dp', { targetRef: { kind: 'Dataplane', name: 'web-1' }, to: [{ targetRef: { kind: 'Mesh' }, default: { http: { requestTimeout: '4s' } } }] }),
      policy('MeshTimeout', 'zone-mesh', { to: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '2m', http: { requestTimeout: '2s' } } }] }),
      policy('MeshTimeout', 'global-mesh', { to: [{ targetRef: { kind: 'Mesh' }, default: { connectionTimeout: '1s', idleTimeout: '1m' } }] }, { 'mycel.io/origin': 'global' }),
      policy('MeshTimeout', 'other-dp', { targetRef: { kind: 'Dataplane', name: 'backend-1' }, to: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '9m' } }] }),
    );
    assert.deepEqual(
      t.policies.map((p) => `${p.name}/${p.origin}`),
      ['global-mesh/global', 'zone-mesh/zone', 'dp/zone'],
    );
    assert.deepEqual(t.to, [{ destination: { kind: 'Mesh' }, conf: { connectionTimeout: '1s', idleTimeout: '2m', http: { requestTimeout: '4s' } }, origins: ['global-mesh', 'zone-mesh', 'dp'] }]);
  });

  it('keeps a Mesh rule and one rule per service that includes the Mesh-wide entries', () => {
    const t = timeouts(
      web1,
      policy('MeshTimeout', 'a', {
        to: [
          { targetRef: { kind: 'MeshService', name: 'backend' }, default: { http: { requestTimeout: '3s' } } },
          { targetRef: { kind: 'Mesh' }, default: { connectionTimeout: '1s', http: { requestTimeout: '10s' } } },
        ],
      }),
      policy('MeshTimeout', 'b', { targetRef: { kind: 'MeshService', name: 'web' }, to: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '5m' } }] }),
    );
    assert.deepEqual(t.to, [
      { destination: { kind: 'Mesh' }, conf: { connectionTimeout: '1s', http: { requestTimeout: '10s' }, idleTimeout: '5m' }, origins: ['a', 'b'] },
      // Within policy a the Mesh entry comes first although it is written second; policy b (more specific) comes last.
      { destination: { kind: 'MeshService', name: 'backend' }, conf: { connectionTimeout: '1s', http: { requestTimeout: '3s' }, idleTimeout: '5m' }, origins: ['a', 'b'] },
    ]);
    assert.deepEqual(toRuleFor(t, 'backend')?.conf, { connectionTimeout: '1s', http: { requestTimeout: '3s' }, idleTimeout: '5m' });
    assert.deepEqual(toRuleFor(t, 'redis')?.conf, { connectionTimeout: '1s', http: { requestTimeout: '10s' }, idleTimeout: '5m' });
  });

  it('lets a more specific policy override a service entry of a less specific one', () => {
    const t = timeouts(
      web1,
      policy('MeshTimeout', 'mesh', { to: [{ targetRef: { kind: 'MeshService', name: 'backend' }, default: { http: { requestTimeout: '3s' } } }] }),
      policy('MeshTimeout', 'dp', { targetRef: { kind: 'Dataplane', name: 'web-1' }, to: [{ targetRef: { kind: 'Mesh' }, default: { http: { requestTimeout: '1s' } } }] }),
    );
    assert.deepEqual(toRuleFor(t, 'backend')?.conf, { http: { requestTimeout: '1s' } });
    assert.deepEqual(toRuleFor(t, 'backend')?.origins, ['mesh', 'dp']);
  });

  it('computes inbound rules per inbound, from the policies selecting that inbound', () => {
    const t = timeouts(
      api1,
      policy('MeshTimeout', 'mesh', { from: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '1h' } }] }),
      policy('MeshTimeout', 'admin', { targetRef: { kind: 'MeshService', name: 'api-admin' }, rules: [{ default: { idleTimeout: '10m' } }] }),
      policy('MeshTimeout', 'outbound-only', { targetRef: { kind: 'MeshService', name: 'api' }, to: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '1s' } }] }),
    );
    assert.deepEqual(t.from, [
      { inbound: { address: '10.0.0.30', port: 8080, service: 'api' }, conf: { idleTimeout: '1h' }, origins: ['mesh'] },
      { inbound: { address: '10.0.0.30', port: 9000, service: 'api-admin' }, conf: { idleTimeout: '10m' }, origins: ['mesh', 'admin'] },
    ]);
    assert.deepEqual(t.policies.map((p) => p.name), ['mesh', 'admin', 'outbound-only']);
    assert.deepEqual(fromRuleFor(t, { address: '10.0.0.30', port: 9000 })?.conf, { idleTimeout: '10m' });
    assert.equal(fromRuleFor(t, { address: '10.0.0.30', port: 1 }), undefined);
  });

  it('selects a proxyless client (no inbounds) only by Mesh and Dataplane targetRefs', () => {
    const t = timeouts(
      grpcClient1,
      policy('MeshTimeout', 'service', { targetRef: { kind: 'MeshService', name: 'web' }, to: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '1s' } }] }),
      policy('MeshTimeout', 'labels', { targetRef: { kind: 'Dataplane', labels: { team: 'web' } }, to: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '2s' } }] }),
    );
    assert.deepEqual(t.policies.map((p) => p.name), ['labels']);
    assert.deepEqual(t.from, []);
  });

  it('lists invalid policies and ignores them, and ignores other meshes and types', () => {
    const rules = computeRules(web1, ctx, [
      policy('MeshTimeout', 'broken', { to: [{ targetRef: { kind: 'Mesh' }, default: { connectionTimeout: 'soon' } }] }),
      policy('MeshTimeout', 'elsewhere', { to: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '1s' } }] }, {}, 'other-mesh'),
      policy('MeshRetry', 'unknown-type', { to: [] }),
      policy('Dataplane', 'web-1', {}),
    ]);
    assert.deepEqual(rules.types['MeshTimeout'], {
      policies: [],
      to: [],
      from: [],
      invalid: [
        {
          name: 'broken',
          violations: [{ field: 'spec.to[0].default.connectionTimeout', reason: "must be a duration such as '500ms', '10s', '5m' or '24h', got 'soon'" }],
        },
      ],
    });
  });

  it('is deterministic whatever the order of the policies', () => {
    const ps = [
      policy('MeshTimeout', 'a', { to: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '1s' } }] }),
      policy('MeshTimeout', 'b', { to: [{ targetRef: { kind: 'Mesh' }, default: { idleTimeout: '2s' } }] }),
      policy('MeshHTTPRoute', 'r', { to: [{ targetRef: { kind: 'MeshService', name: 'backend' }, rules: [{ matches: [{}], default: {} }] }] }),
    ];
    const a = computeRules(web1, ctx, ps);
    const b = computeRules(web1, ctx, [...ps].reverse());
    assert.equal(JSON.stringify(a), JSON.stringify(b));
    assert.deepEqual(JSON.parse(JSON.stringify(a)), a);
    assert.deepEqual(toRuleFor(a.types['MeshTimeout'] as PolicyTypeRules, 'x')?.conf, { idleTimeout: '2s' });
  });
});
