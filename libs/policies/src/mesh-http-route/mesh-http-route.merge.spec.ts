import assert from 'node:assert/strict';
import { mergeRouteConfs, normalizeMatch } from './mesh-http-route.merge';

describe('MeshHTTPRoute merge', () => {
  it('merges the defaults of rules with equal matches (lists replaced), most important conf’s rules first', () => {
    const meshWide = {
      rules: [
        { matches: [{ path: { type: 'PathPrefix', value: '/a' } }], default: { filters: [{ type: 'X' }], backendRefs: [{ kind: 'MeshService', name: 'a' }] } },
        { matches: [{ path: { type: 'PathPrefix', value: '/only-mesh' } }], default: {} },
      ],
    };
    const specific = {
      rules: [
        { matches: [{ path: { type: 'PathPrefix', value: '/b' } }], default: {} },
        { matches: [{ path: { type: 'PathPrefix', value: '/a' } }], default: { backendRefs: [{ kind: 'MeshService', name: 'b', weight: 2 }] } },
      ],
    };
    assert.deepEqual(mergeRouteConfs([meshWide, specific]), {
      rules: [
        { matches: [{ path: { type: 'PathPrefix', value: '/b' } }], default: {} },
        { matches: [{ path: { type: 'PathPrefix', value: '/a' } }], default: { filters: [{ type: 'X' }], backendRefs: [{ kind: 'MeshService', name: 'b', weight: 2 }] } },
        { matches: [{ path: { type: 'PathPrefix', value: '/only-mesh' } }], default: {} },
      ],
    });
  });

  it('treats a header match without type as Exact, so equal matches merge', () => {
    assert.deepEqual(normalizeMatch({ headers: [{ name: 'a', value: '1' }] }), { headers: [{ name: 'a', value: '1', type: 'Exact' }] });
    const implicit = { rules: [{ matches: [normalizeMatch({ headers: [{ name: 'a', value: '1' }] })], default: { backendRefs: [] } }] };
    const explicit = { rules: [{ matches: [normalizeMatch({ headers: [{ type: 'Exact', name: 'a', value: '1' }] })], default: {} }] };
    assert.equal((mergeRouteConfs([implicit, explicit])['rules'] as unknown[]).length, 1);
  });
});
