import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './errors';
import { parseManifest, readManifestSources } from './manifest-reader';

describe('manifest reader', () => {
  describe('parseManifest', () => {
    it('reads every YAML document, skipping empty ones, and names each by its position', () => {
      const docs = parseManifest({ label: 'all.yaml', json: false, text: '---\ntype: Mesh\nname: a\n---\n---\ntype: Mesh\nname: b\n...\n' });
      assert.deepEqual(docs, [
        { origin: 'all.yaml, document 1', body: { type: 'Mesh', name: 'a' } },
        { origin: 'all.yaml, document 2', body: { type: 'Mesh', name: 'b' } },
      ]);
      assert.deepEqual(parseManifest({ label: 'one.yaml', json: false, text: 'type: Mesh\nname: a\n' }), [{ origin: 'one.yaml', body: { type: 'Mesh', name: 'a' } }]);
      assert.deepEqual(parseManifest({ label: 'empty.yaml', json: false, text: '# nothing\n' }), []);
    });

    it('reads JSON, and YAML input that happens to be JSON', () => {
      const text = '{"type": "Mesh", "name": "a", "labels": {"x": "1"}}';
      assert.deepEqual(parseManifest({ label: 'm.json', json: true, text })[0]?.body, { type: 'Mesh', name: 'a', labels: { x: '1' } });
      assert.deepEqual(parseManifest({ label: 'stdin', json: false, text })[0]?.body, { type: 'Mesh', name: 'a', labels: { x: '1' } });
    });

    it('expands lists and listings printed by get -o yaml|json into their items', () => {
      const listing = JSON.stringify({ items: [{ type: 'Mesh', name: 'a' }, { type: 'Mesh', name: 'b' }], total: 2, next: null });
      assert.deepEqual(
        parseManifest({ label: 'l.json', json: true, text: listing }).map((d) => d.origin),
        ['l.json, item 1', 'l.json, item 2'],
      );
      assert.deepEqual(parseManifest({ label: 'l.yaml', json: false, text: '- type: Mesh\n  name: a\n' }), [{ origin: 'l.yaml, item 1', body: { type: 'Mesh', name: 'a' } }]);
    });

    it('keeps YAML 1.2 scalars as written (no yes/no booleans, no octal surprises)', () => {
      assert.deepEqual(parseManifest({ label: 'f', json: false, text: 'type: Mesh\nname: a\nlabels: {on: yes, zip: 0755}\n' })[0]?.body['labels'], { on: 'yes', zip: 755 });
    });

    for (const [what, text, json, message] of [
      ['bad YAML', 'type: Mesh\n  name: [a\n', false, /^f: invalid YAML: /],
      ['duplicate keys', 'name: a\nname: b\n', false, /^f: invalid YAML: Map keys must be unique/],
      ['bad JSON', '{"type": ', true, /^f: invalid JSON: /],
      ['a scalar document', 'just text\n', false, /^f: must be a resource \(an object with type and name\), got string$/],
      ['a list inside a list', '- [1]\n', false, /^f, item 1: must be a resource \(an object with type and name\), got a list$/],
    ] as const) {
      it(`refuses ${what} as a usage error`, () => {
        assert.throws(() => parseManifest({ label: 'f', json, text }), (err: unknown) => err instanceof UsageError && message.test(err.message));
      });
    }
  });

  describe('readManifestSources', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'mycelctl-manifests-'));
    });
    afterEach(() => {
      rmSync(dir, { recursive: true, force: true });
    });

    it('reads a directory\'s yaml, yml and json files sorted by name, not recursing, and stdin for -', async () => {
      for (const f of ['b.yml', 'a.yaml', 'c.json', 'notes.txt', 'Z.YAML']) writeFileSync(join(dir, f), f);
      mkdirSync(join(dir, 'sub.yaml'));
      const sources = await readManifestSources([dir, '-'], async () => 'from stdin');
      assert.deepEqual(
        sources.map((s) => [s.label.replace(dir, '<dir>'), s.text, s.json]),
        [
          ['<dir>/Z.YAML', 'Z.YAML', false],
          ['<dir>/a.yaml', 'a.yaml', false],
          ['<dir>/b.yml', 'b.yml', false],
          ['<dir>/c.json', 'c.json', true],
          ['stdin', 'from stdin', false],
        ],
      );
    });

    it('refuses missing paths, empty directories and stdin twice', async () => {
      await assert.rejects(readManifestSources([join(dir, 'nope.yaml')], async () => ''), /cannot read .*nope\.yaml: no such file or directory/);
      await assert.rejects(readManifestSources([dir], async () => ''), /has no \*\.yaml, \*\.yml, \*\.json files/);
      await assert.rejects(readManifestSources(['-', '-'], async () => ''), /-f - \(stdin\) can be given once/);
    });
  });
});
