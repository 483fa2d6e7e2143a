import assert from 'node:assert/strict';
import { CORE_TYPES, createCoreRegistry, registerCoreTypes } from './builtin';
import { DuplicateTypeError, TypeRegistry } from './registry';

describe('core types', () => {
  it('lists every core type with its plural, scope and flags', () => {
    const rows = CORE_TYPES.map((t) => [t.name, t.plural, t.singular, t.scope, t.readOnly, t.sensitive, t.isPolicy]);
    assert.deepEqual(rows, [
      ['Mesh', 'meshes', 'mesh', 'global', false, false, false],
      ['Zone', 'zones', 'zone', 'global', false, false, false],
      ['ZoneInsight', 'zone-insights', 'zone-insight', 'global', true, false, false],
      ['GlobalSecret', 'global-secrets', 'global-secret', 'global', false, true, false],
      ['Dataplane', 'dataplanes', 'dataplane', 'mesh', false, false, false],
      ['DataplaneInsight', 'dataplane-insights', 'dataplane-insight', 'mesh', true, false, false],
      ['Secret', 'secrets', 'secret', 'mesh', false, true, false],
    ]);
  });

  it('gives every type a one-line description', () => {
    for (const t of CORE_TYPES) assert.match(t.description, /^[A-Z].*\.$/, t.name);
  });

  it('freezes the list and the descriptors', () => {
    assert.ok(Object.isFrozen(CORE_TYPES));
    for (const t of CORE_TYPES) {
      assert.ok(Object.isFrozen(t), t.name);
      assert.ok(Object.isFrozen(t.kds), t.name);
    }
  });

  it('creates a registry that finds each type by name and by plural', () => {
    const registry = createCoreRegistry();
    assert.deepEqual(
      registry.list().map((t) => t.name),
      ['Dataplane', 'DataplaneInsight', 'GlobalSecret', 'Mesh', 'Secret', 'Zone', 'ZoneInsight'],
    );
    for (const t of CORE_TYPES) {
      assert.equal(registry.get(t.name), t);
      assert.equal(registry.byPlural(t.plural), t);
    }
  });

  it('creates a fresh registry each time', () => {
    const a = createCoreRegistry();
    const b = createCoreRegistry();
    assert.notEqual(a, b);
    a.register({ ...CORE_TYPES[0]!, name: 'Extra', plural: 'extras', singular: 'extra' });
    assert.equal(b.get('Extra'), undefined);
  });

  it('registers idempotently', () => {
    const registry = new TypeRegistry();
    registerCoreTypes(registry);
    registerCoreTypes(registry);
    assert.equal(registry.list().length, CORE_TYPES.length);
  });

  it('refuses another descriptor under a core name', () => {
    const registry = createCoreRegistry();
    assert.throws(() => registry.register({ ...CORE_TYPES[0]! }), DuplicateTypeError);
  });
});
