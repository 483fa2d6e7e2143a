import assert from 'node:assert/strict';
import { UsageError } from './errors';
import { TypeCatalog, collectionPath, describeResource, resourcePath } from './type-catalog';

describe('type catalog', () => {
  const catalog = TypeCatalog.fromResponse({
    resources: [
      { name: 'Zone', plural: 'zones', singular: 'zone', scope: 'global', path: '/zones', policy: false, readOnly: false, sensitive: false, description: 'z' },
      { name: 'Dataplane', plural: 'dataplanes', singular: 'dataplane', scope: 'mesh', path: '/meshes/{mesh}/dataplanes', readOnly: false },
      { name: 'MeshTimeout', plural: 'meshtimeouts', singular: 'meshtimeout', scope: 'mesh', path: '/meshes/{mesh}/meshtimeouts', policy: true },
      { name: 'Broken', plural: 'broken', scope: 'nowhere', path: '/broken' },
      'junk',
    ],
  });

  it('reads /_resources, skipping malformed entries, sorted by plural', () => {
    assert.deepEqual(catalog.types.map((t) => t.plural), ['dataplanes', 'meshtimeouts', 'zones']);
    assert.equal(catalog.byName('MeshTimeout')?.policy, true);
    assert.deepEqual(TypeCatalog.fromResponse(null).types, []);
  });

  it('resolves plural, singular and type name in any case; lists the types otherwise', () => {
    for (const arg of ['dataplanes', 'dataplane', 'Dataplane', 'DATAPLANES']) assert.equal(catalog.resolve(arg).name, 'Dataplane');
    assert.throws(() => catalog.resolve('gateways'), (err: unknown) => err instanceof UsageError && err.message === "unknown resource type 'gateways'; the control plane serves: dataplanes, meshtimeouts, zones");
  });

  it('builds REST paths, encoding names, and names resources in output lines', () => {
    const dp = catalog.resolve('dataplanes');
    const zone = catalog.resolve('zones');
    assert.equal(collectionPath(dp, 'demo'), '/meshes/demo/dataplanes');
    assert.equal(resourcePath(dp, 'web.1', 'a b'), '/meshes/a%20b/dataplanes/web.1');
    assert.equal(resourcePath(zone, 'east'), '/zones/east');
    assert.throws(() => collectionPath(dp), /mesh-scoped; a mesh is required/);
    assert.equal(describeResource(dp, 'web-1', 'demo'), 'dataplane demo/web-1');
    assert.equal(describeResource(zone, 'east'), 'zone/east');
  });
});
