import assert from 'node:assert/strict';
import { collect, meshFor, parseKeyValues, parsePositiveInt } from './command-options';
import { typeInfo } from './table-fixtures.test-helper';

describe('command options', () => {
  const dataplanes = typeInfo('Dataplane', 'dataplanes', 'mesh');
  const zones = typeInfo('Zone', 'zones', 'global');

  it('gives mesh-scoped types --mesh (default "default") or all meshes, and refuses both for global types', () => {
    assert.deepEqual(meshFor(dataplanes, {}), { mesh: 'default', allMeshes: false });
    assert.deepEqual(meshFor(dataplanes, { mesh: 'demo' }), { mesh: 'demo', allMeshes: false });
    assert.deepEqual(meshFor(dataplanes, { allMeshes: true }), { allMeshes: true });
    assert.deepEqual(meshFor(zones, {}), { allMeshes: false });
    assert.throws(() => meshFor(zones, { mesh: 'demo' }), /zones are not mesh-scoped; drop --mesh\/--all-meshes/);
    assert.throws(() => meshFor(dataplanes, { mesh: 'Bad Mesh' }), /^UsageError: --mesh .*, got 'Bad Mesh'$/);
  });

  it('parses key=value flags (the value may contain =) and refuses malformed or repeated keys', () => {
    assert.deepEqual(parseKeyValues(['team=web', 'expr=a=b', 'empty='], '--label'), { team: 'web', expr: 'a=b', empty: '' });
    assert.deepEqual(parseKeyValues(undefined, '--label'), {});
    assert.throws(() => parseKeyValues(['=x'], '--label'), /--label must be key=value, got '=x'/);
    assert.throws(() => parseKeyValues(['a=1', 'a=2'], '--label'), /--label a is given twice/);
  });

  it('parses bounded positive integers', () => {
    assert.equal(parsePositiveInt(undefined, '--size', 10), undefined);
    assert.equal(parsePositiveInt('10', '--size', 10), 10);
    for (const bad of ['0', '11', '1.5', '-1', 'x']) assert.throws(() => parsePositiveInt(bad, '--size', 10), /--size must be an integer between 1 and 10/);
  });

  it('collects repeated values in order', () => {
    assert.deepEqual(collect('b', collect('a', undefined)), ['a', 'b']);
  });
});
