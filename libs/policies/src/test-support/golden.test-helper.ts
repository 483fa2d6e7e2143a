import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DataplaneSpec, JsonObject, Resource } from '@mycel/core';
import { canonicalJson } from '@mycel/core';
import type { ProxyKind, Snapshot, XdsResource } from '@mycel/xds';
import {
  EncodingCache,
  PUSH_ORDER,
  bytesVersion,
  checkConsistency,
  checkValidateRules,
  decodeResource,
  encodeResource,
  generateResources,
  toSnapshot,
  typeNameOfUrl,
} from '@mycel/xds';
import { parse, stringify } from 'yaml';
import { applyPolicies } from '../framework/pipeline';
import type { DataplaneRules } from '../framework/rules';
import { meshContext, proxyOf } from './fixtures.test-helper';
import { grpcRejection } from './grpc-acceptance.test-helper';

// Golden-file specs of policy plugins. Only spec files import this module.

const UPDATE = process.env['UPDATE_GOLDEN_FILES'] === 'true';

/** One golden: a dataplane, the policies of the mesh, and the snapshot plus rules they give. */
export interface GoldenCase {
  readonly golden: string;
  readonly what: string;
  readonly dataplane: Resource<DataplaneSpec>;
  readonly kind: ProxyKind;
  readonly policies: readonly Resource[];
}

/** What one case generates: the rules applied and the encoded snapshot. */
export interface GoldenResult {
  readonly rules: DataplaneRules;
  readonly snapshot: Snapshot;
  readonly consistency: ReturnType<typeof checkConsistency>;
}

/** Generates the case's resources, applies its policies and encodes the snapshot (strict shape and Envoy's rules). */
export function runCase(c: Pick<GoldenCase, 'dataplane' | 'kind' | 'policies'>, cache = new EncodingCache()): GoldenResult {
  const ctx = meshContext();
  const proxy = proxyOf(c.dataplane, c.kind);
  const set = generateResources(proxy, ctx);
  const rules = applyPolicies(set, proxy, ctx, c.policies);
  return { rules, consistency: checkConsistency(set), snapshot: toSnapshot(set, cache) };
}

/** Every resource of a snapshot, by type URL then name. */
export function allResources(snapshot: Snapshot): XdsResource[] {
  return [...snapshot.resources.values()].flatMap((m) => [...m.values()]);
}

/** A resource of the snapshot decoded to a plain object, or undefined. */
export function decoded(snapshot: Snapshot, typeUrl: string, name: string): JsonObject | undefined {
  const r = [...snapshot.resources.entries()].find(([t]) => t === typeUrl)?.[1].get(name);
  return r === undefined ? undefined : decodeResource(r.any);
}

/** The golden text: the rules, then every resource decoded (sorted by type URL then name, keys sorted). */
export function goldenYaml(result: GoldenResult, header: string): string {
  const resources: JsonObject[] = [];
  for (const typeUrl of [...result.snapshot.resources.keys()].sort()) {
    const byName = result.snapshot.resources.get(typeUrl) ?? new Map<string, XdsResource>();
    for (const name of [...byName.keys()].sort()) {
      const r = byName.get(name) as XdsResource;
      resources.push({ typeUrl, name, version: r.version, resource: JSON.parse(canonicalJson(decodeResource(r.any))) as JsonObject });
    }
  }
  const body = { rules: JSON.parse(canonicalJson(result.rules)) as JsonObject, resources };
  return `# ${header}; rewrite with UPDATE_GOLDEN_FILES=true.\n${stringify(body, { lineWidth: 0 })}`;
}

/**
 * Declares the specs of every case: the golden file matches; every resource passes Envoy's
 * validation rules and re-encodes to the same bytes through the strict encoder; the golden reads
 * back to the same versions; the set is consistent (every referenced cluster, CLA and route
 * configuration exists); proxyless resources pass `@grpc/grpc-js-xds`'s own validation; the
 * output is deterministic.
 */
export function goldenSpecs(testdata: string, header: string, cases: readonly GoldenCase[]): void {
  for (const c of cases) {
    describe(`${c.golden}: ${c.what}`, () => {
      let result: GoldenResult;
      before(() => {
        result = runCase(c);
      });

      it(`matches testdata/${c.golden}.golden.yaml`, () => {
        const file = join(testdata, `${c.golden}.golden.yaml`);
        const actual = goldenYaml(result, header);
        if (UPDATE) {
          mkdirSync(testdata, { recursive: true });
          writeFileSync(file, actual);
        }
        assert.ok(existsSync(file), `${file} is missing; run with UPDATE_GOLDEN_FILES=true`);
        assert.equal(actual, readFileSync(file, 'utf8'));
      });

      it('is consistent and holds only resources Envoy would accept', () => {
        assert.deepEqual(result.consistency, []);
        assert.deepEqual([...result.snapshot.resources.keys()], PUSH_ORDER);
        for (const r of allResources(result.snapshot)) {
          const message = decodeResource(r.any);
          assert.deepEqual(checkValidateRules(typeNameOfUrl(r.typeUrl), message), [], `${r.typeUrl} ${r.name}`);
          assert.deepEqual(encodeResource(r.typeUrl, message).value, r.any.value, `${r.typeUrl} ${r.name}`);
          assert.equal(r.version, bytesVersion(r.any.value));
        }
      });

      it('reads back from the golden file through the strict encoder to the same versions', () => {
        const body = parse(readFileSync(join(testdata, `${c.golden}.golden.yaml`), 'utf8')) as { resources: { typeUrl: string; name: string; version: string; resource: JsonObject }[] };
        assert.equal(body.resources.length, allResources(result.snapshot).length);
        for (const row of body.resources) assert.equal(bytesVersion(encodeResource(row.typeUrl, row.resource).value), row.version, `${row.typeUrl} ${row.name}`);
      });

      it('is deterministic', () => {
        const again = runCase(c);
        assert.equal(canonicalJson(again.rules), canonicalJson(result.rules));
        for (const typeUrl of PUSH_ORDER) {
          const a = [...(result.snapshot.resources.get(typeUrl) ?? new Map<string, XdsResource>())].map(([n, r]) => `${n}@${r.version}`);
          const b = [...(again.snapshot.resources.get(typeUrl) ?? new Map<string, XdsResource>())].map(([n, r]) => `${n}@${r.version}`);
          assert.deepEqual(b, a);
        }
      });

      if (c.kind === 'grpc') {
        it("passes @grpc/grpc-js-xds's own resource validation", () => {
          for (const r of allResources(result.snapshot)) assert.equal(grpcRejection(r), undefined, `${r.typeUrl} ${r.name}`);
        });
      }
    });
  }
}
