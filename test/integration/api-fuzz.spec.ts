import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { IAsyncProperty } from 'fast-check';
import { ApiClient, PROBLEM_JSON, assertProblemShape, expectStatus } from './support/http';
import type { ApiResponse, Page, Resource } from './support/http';
import { METHODS, anyBodyArb, headersArb, mutate, mutationArb, pathArb, segmentArb, toYaml, validTemplates } from './support/fuzz-arbitraries';
import type { FuzzRequest } from './support/fuzz-arbitraries';
import { meshBody } from './support/resources';
import { startTestControlPlane } from './support/start-control-plane';
import type { TestControlPlane } from './support/start-control-plane';
import { diffSnapshots, snapshotStore } from './support/store-snapshot';

/** Fixed, so a failure reproduces; set MYCEL_FUZZ_SEED to explore other inputs. */
const SEED = Number(process.env['MYCEL_FUZZ_SEED'] ?? 20261121);
/** Runs per property (at least 300 unless MYCEL_FUZZ_RUNS says otherwise). */
const RUNS = Number(process.env['MYCEL_FUZZ_RUNS'] ?? 300);

describe('REST API: property-based fuzzing', function () {
  let cp: TestControlPlane;
  let api: ApiClient;

  before(async function () {
    cp = await startTestControlPlane();
    api = new ApiClient(cp.baseUrl, cp.adminToken);
    expectStatus(await api.put('/meshes/fuzz', meshBody('fuzz')), 201);
  });

  after(async function () {
    await cp?.stop();
  });

  /** Runs a property with the fixed seed; a failure names the seed and how to replay it. */
  async function check<T>(property: IAsyncProperty<T>): Promise<void> {
    const details = await fc.check(property, { numRuns: RUNS, seed: SEED, endOnFailure: false });
    if (details.failed) {
      const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      assert.fail(`property failed with seed ${SEED} (replay: MYCEL_FUZZ_SEED=${SEED}, path ${details.counterexamplePath ?? '?'})\n${fc.defaultReportMessage(details) ?? ''}\n${cause}`);
    }
  }

  /**
   * Sends one request and checks what must hold for any request: no 5xx; every 4xx is a problem
   * document; a rejected request, and any GET or HEAD, leaves the store exactly as it was.
   */
  async function sendAndCheck(req: FuzzRequest): Promise<ApiResponse> {
    const before = await snapshotStore(cp.controlPlane);
    const head = await cp.controlPlane.store.head();
    const res = await api.request(req.method, req.path, { token: null, headers: { ...req.headers }, ...(req.body !== undefined ? { body: req.body } : {}) });
    const what = `${req.method} ${req.path} → ${res.status} ${res.text.slice(0, 300)}`;
    assert.ok(res.status < 500, `server error: ${what}`);
    if (res.status >= 400) {
      if (req.method === 'HEAD') assert.equal((res.headers.get('content-type') ?? '').split(';')[0], PROBLEM_JSON, what);
      else assertProblemShape(res);
    }
    if (res.status >= 400 || req.method === 'GET' || req.method === 'HEAD') {
      assert.deepEqual(diffSnapshots(before, await snapshotStore(cp.controlPlane)), [], `store changed: ${what}`);
      assert.equal(await cp.controlPlane.store.head(), head, `store written: ${what}`);
    }
    return res;
  }

  it(`random methods × paths × headers × bodies never fail the server or change the store when rejected (${RUNS} runs)`, async function () {
    await check(
      fc.asyncProperty(fc.constantFrom(...METHODS), pathArb, headersArb(cp.adminToken), anyBodyArb, async (method, path, headers, body) => {
        const sendsBody = body !== undefined && method !== 'GET' && method !== 'HEAD';
        await sendAndCheck({ method, path, headers, ...(sendsBody ? { body } : {}) });
      }),
    );
  });

  it(`near-valid resources with one mutation are stored valid or rejected without trace (${RUNS} runs)`, async function () {
    let accepted = 0;
    await check(
      fc.asyncProperty(
        fc.nat({ max: 1_000_000 }),
        fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/),
        fc.nat(),
        mutationArb,
        fc.constantFrom('json', 'yaml'),
        fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('*', '"1"', '"2"') }),
        async (which, name, at, mutation, format, ifMatch) => {
          const templates = validTemplates(name);
          const template = templates[which % templates.length] as (typeof templates)[number];
          const body = mutate(template.body, at, mutation);
          const headers: Record<string, string> = { authorization: `Bearer ${cp.adminToken}` };
          if (ifMatch !== undefined && template.method === 'PUT') headers['if-match'] = ifMatch;
          let text: string | undefined;
          if (body !== undefined) {
            headers['content-type'] = format === 'json' ? 'application/json' : 'application/yaml';
            text = format === 'json' ? JSON.stringify(body) : toYaml(body);
          }
          const res = await sendAndCheck({ method: template.method, path: template.path, headers, ...(text !== undefined ? { body: text } : {}) });
          if (res.status >= 300 || template.method !== 'PUT') return;
          accepted++;
          // What was accepted is well-formed, is what GET returns, and re-applies as unchanged.
          const stored = res.json as Resource;
          assert.equal(typeof stored.name, 'string');
          assert.ok(typeof stored.spec === 'object' && stored.spec !== null && !Array.isArray(stored.spec), `spec of ${JSON.stringify(stored)}`);
          assert.ok(typeof stored.labels === 'object' && stored.labels !== null, `labels of ${JSON.stringify(stored)}`);
          const got = await api.get(template.path.replace(/\?.*$/, ''));
          expectStatus(got, 200);
          assert.deepEqual(got.json, stored);
          const again = await api.put(template.path, got.json);
          expectStatus(again, 200, `re-applying ${JSON.stringify(got.json)}`);
          assert.equal(again.headers.get('x-mycel-outcome'), 'unchanged');
        },
      ),
    );
    // The mutations must leave enough bodies valid for the success path to be exercised at all.
    assert.ok(accepted > RUNS / 20, `only ${accepted} of ${RUNS} writes were accepted`);
  });

  it(`random list queries answer a well-formed page or a 400 naming the parameter (${RUNS} runs)`, async function () {
    // The first property may have deleted them; this one only reads, so they stay for all its runs.
    for (const mesh of ['default', 'fuzz']) assert.ok([200, 201].includes((await api.put(`/meshes/${mesh}`, meshBody(mesh))).status));
    await check(
      fc.asyncProperty(
        fc.constantFrom('/meshes', '/meshes/fuzz/dataplanes', '/meshes/default/dataplanes', '/zones', '/global-secrets', '/meshes/fuzz/dataplane-insights', '/zone-insights'),
        pathArb.map((p) => p.slice(p.indexOf('?') < 0 ? p.length : p.indexOf('?'))),
        async (collection, query) => {
          const res = await sendAndCheck({ method: 'GET', path: collection + query, headers: { authorization: `Bearer ${cp.adminToken}` } });
          if (res.status === 200) {
            const page = res.json as Page;
            assert.ok(Array.isArray(page.items) && Number.isInteger(page.total) && page.total >= page.items.length, res.text.slice(0, 300));
            assert.ok(page.next === null || page.next.startsWith(`${collection}?`), `next ${page.next}`);
          } else {
            assert.equal(res.status, 400, `${collection}${query} → ${res.status} ${res.text.slice(0, 300)}`);
          }
        },
      ),
    );
  });

  it(`random names and segments in resource paths never reach a 5xx (${RUNS} runs)`, async function () {
    await check(
      fc.asyncProperty(fc.constantFrom('GET', 'PUT', 'DELETE'), segmentArb, segmentArb, async (method, mesh, name) => {
        await sendAndCheck({
          method,
          path: `/meshes/${mesh}/dataplanes/${name}`,
          headers: { authorization: `Bearer ${cp.adminToken}`, 'content-type': 'application/json' },
          ...(method === 'PUT' ? { body: JSON.stringify({ spec: { networking: { address: '10.9.9.9', inbound: [{ port: 1, tags: { 'mycel.io/service': 's' } }] } } }) } : {}),
        });
      }),
    );
  });
});
