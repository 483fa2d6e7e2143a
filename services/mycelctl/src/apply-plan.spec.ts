import assert from 'node:assert/strict';
import type { ApiResponse, RequestOptions } from './api-client';
import { responseError } from './api-client';
import { executeApply, planApply } from './apply-plan';
import type { PlannedWrite, ResourceWriter } from './apply-plan';
import { ContextError, UnsupportedError, UsageError } from './errors';
import { formatError } from './exit-codes';
import type { ManifestDocument } from './manifest-reader';
import { typeInfo } from './table-fixtures.test-helper';
import { TypeCatalog } from './type-catalog';

const catalog = new TypeCatalog([
  typeInfo('Mesh', 'meshes', 'global'),
  typeInfo('Dataplane', 'dataplanes', 'mesh'),
  typeInfo('DataplaneInsight', 'dataplane-insights', 'mesh', { readOnly: true }),
  typeInfo('Zone', 'zones', 'global'),
]);

function doc(body: Record<string, unknown>, origin = 'f.yaml'): ManifestDocument {
  return { origin, body };
}

/** Answers PUTs from a script keyed by path; records every request. */
class FakeApi implements ResourceWriter {
  readonly calls: Array<{ method: string; path: string; options: RequestOptions }> = [];
  constructor(private readonly answer: (path: string, options: RequestOptions) => ApiResponse) {}

  async request(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    this.calls.push({ method, path, options });
    const res = this.answer(path, options);
    if (res.status >= 400) throw responseError({ method, path }, res);
    return res;
  }
}

function ok(status: number, outcome: string, dryRun = false): ApiResponse {
  return { status, statusText: '', headers: { 'x-mycel-outcome': outcome, ...(dryRun ? { 'x-mycel-dry-run': 'true' } : {}) }, text: '{}', json: {} };
}

function problem(status: number, title: string, detail: string, invalidParameters?: unknown[]): ApiResponse {
  const json = { title, status, detail, ...(invalidParameters ? { invalidParameters } : {}) };
  return { status, statusText: title, headers: {}, text: JSON.stringify(json), json };
}

describe('apply', () => {
  describe('planApply', () => {
    it('puts meshes first, keeps the rest in order, and fills the mesh of mesh-scoped documents', () => {
      const writes = planApply(
        [
          doc({ type: 'Dataplane', name: 'web-1' }, 'a.yaml'),
          doc({ type: 'Zone', name: 'east' }, 'b.yaml'),
          doc({ type: 'Mesh', name: 'demo' }, 'c.yaml'),
          doc({ type: 'Dataplane', name: 'web-2', mesh: 'demo' }, 'd.yaml'),
        ],
        catalog,
        undefined,
      );
      assert.deepEqual(
        writes.map((w) => [w.type.name, w.mesh, w.name, w.origin]),
        [
          ['Mesh', undefined, 'demo', 'c.yaml'],
          ['Dataplane', 'default', 'web-1', 'a.yaml'],
          ['Zone', undefined, 'east', 'b.yaml'],
          ['Dataplane', 'demo', 'web-2', 'd.yaml'],
        ],
      );
      assert.deepEqual(writes[1]?.body, { type: 'Dataplane', name: 'web-1', mesh: 'default' });
      assert.deepEqual(planApply([doc({ type: 'Dataplane', name: 'x' })], catalog, 'other')[0]?.mesh, 'other');
    });

    it('leaves everything but addressing to the server (a mesh on a global type included)', () => {
      const [w] = planApply([doc({ type: 'Zone', name: 'east', mesh: 'x', spec: { bogus: 1 } })], catalog, 'm');
      assert.deepEqual(w?.body, { type: 'Zone', name: 'east', mesh: 'x', spec: { bogus: 1 } });
    });

    it('reports every problem of every document at once, and applies nothing', () => {
      assert.throws(
        () =>
          planApply(
            [
              doc({ name: 'a' }, 'd1'),
              doc({ type: 'dataplane', name: 'a' }, 'd2'),
              doc({ type: 'Gateway', name: 'a' }, 'd3'),
              doc({ type: 'DataplaneInsight', name: 'a' }, 'd4'),
              doc({ type: 'Mesh' }, 'd5'),
              doc({ type: 'Dataplane', name: 'a', mesh: 'x' }, 'd6'),
              doc({ type: 'Mesh', name: 'dup' }, 'd7'),
              doc({ type: 'Mesh', name: 'dup' }, 'd8'),
            ],
            catalog,
            'y',
          ),
        (err: unknown) => {
          assert.ok(err instanceof UsageError);
          assert.equal(
            err.message,
            [
              'nothing was applied:',
              '  d1: type: is required (e.g. DataplaneInsight, Dataplane, Mesh, Zone)',
              "  d2: type: unknown resource type 'dataplane'; did you mean 'Dataplane'?",
              "  d3: type: unknown resource type 'Gateway'; the control plane serves DataplaneInsight, Dataplane, Mesh, Zone",
              '  d4: type: DataplaneInsight is written by the control plane only',
              '  d5: name: is required',
              "  d6: mesh: is 'x', but --mesh is 'y'",
              '  d8: mesh/dup is also in d7; each resource may appear once',
            ].join('\n'),
          );
          return true;
        },
      );
    });
  });

  describe('executeApply', () => {
    const plan = (): PlannedWrite[] =>
      planApply([doc({ type: 'Mesh', name: 'demo' }, 'm.yaml'), doc({ type: 'Dataplane', mesh: 'demo', name: 'web-1' }, 'dp.yaml, document 1'), doc({ type: 'Dataplane', mesh: 'demo', name: 'web-2' }, 'dp.yaml, document 2')], catalog, undefined);

    it('PUTs each resource at its path and prints the outcome the server reports', async () => {
      const outcomes: Record<string, string> = { '/meshes/demo': 'created', '/meshes/demo/dataplanes/web-1': 'updated', '/meshes/demo/dataplanes/web-2': 'unchanged' };
      const api = new FakeApi((path) => ok(outcomes[path] === 'created' ? 201 : 200, outcomes[path] as string));
      const lines: string[] = [];
      await executeApply(api, plan(), { dryRun: false, report: (l) => lines.push(l) });
      assert.deepEqual(lines, ['mesh/demo created', 'dataplane demo/web-1 updated', 'dataplane demo/web-2 unchanged']);
      assert.deepEqual(api.calls.map((c) => [c.method, c.path, c.options.query]), [
        ['PUT', '/meshes/demo', undefined],
        ['PUT', '/meshes/demo/dataplanes/web-1', undefined],
        ['PUT', '/meshes/demo/dataplanes/web-2', undefined],
      ]);
      assert.deepEqual(api.calls[1]?.options.body, { type: 'Dataplane', mesh: 'demo', name: 'web-1' });
    });

    it('stops at the first rejection, after reporting what was applied, naming the resource and document', async () => {
      const api = new FakeApi((path) =>
        path.endsWith('web-1')
          ? problem(400, 'Invalid Resource', 'invalid', [{ field: 'spec.networking.inbound[0].port', reason: 'must be between 1 and 65535, got 70000' }])
          : ok(201, 'created'),
      );
      const lines: string[] = [];
      const err = await executeApply(api, plan(), { dryRun: false, report: (l) => lines.push(l) }).then(
        () => assert.fail('expected a rejection'),
        (e: unknown) => e,
      );
      assert.deepEqual(lines, ['mesh/demo created']);
      assert.equal(api.calls.length, 2, 'nothing after the rejected resource is sent');
      assert.ok(err instanceof ContextError);
      assert.equal(
        formatError(err),
        'Error: applying dataplane demo/web-1 (from dp.yaml, document 1): Invalid Resource (400)\n  spec.networking.inbound[0].port: must be between 1 and 65535, got 70000\n',
      );
    });

    it('dry-runs with ?dryRun=true; resources in a mesh the same dry run creates are reported created when the server only misses the mesh', async () => {
      const api = new FakeApi((path) => (path === '/meshes/demo' ? ok(201, 'created', true) : problem(404, 'Not Found', "mesh 'demo' not found")));
      const lines: string[] = [];
      await executeApply(api, plan(), { dryRun: true, report: (l) => lines.push(l) });
      assert.deepEqual(lines, ['mesh/demo created (dry run)', 'dataplane demo/web-1 created (dry run)', 'dataplane demo/web-2 created (dry run)']);
      assert.ok(api.calls.every((c) => c.options.query?.['dryRun'] === 'true'));
    });

    it('in a dry run, a 404 for a mesh the apply does not create is still an error', async () => {
      const api = new FakeApi(() => problem(404, 'Not Found', "mesh 'demo' not found"));
      const writes = planApply([doc({ type: 'Dataplane', mesh: 'demo', name: 'web-1' })], catalog, undefined);
      await assert.rejects(executeApply(api, writes, { dryRun: true, report: () => undefined }), (err: unknown) => /Not Found \(404\): mesh 'demo' not found/.test(formatError(err)));
    });

    it('refuses to trust a server that does not confirm a dry run', async () => {
      const api = new FakeApi(() => ok(201, 'created', false));
      await assert.rejects(
        executeApply(api, plan(), { dryRun: true, report: () => undefined }),
        (err: unknown) => err instanceof ContextError && err.inner instanceof UnsupportedError && /may have been stored/.test(formatError(err)),
      );
    });
  });
});
