import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { register as registerXdsResolver } from '@grpc/grpc-js-xds';
import { freePort } from '@mycel/testing';
import { TypeUrl, subsetClusterName } from '@mycel/xds';
import type { DataplaneConfigView } from '@mycel/zone';
import { expectProblem, expectStatus } from './support/http';
import type { Resource } from './support/http';
import {
  DELAY_METADATA,
  callEchoWith,
  countAnswers,
  grpcBootstrapFor,
  grpcDataplane,
  metric,
  startEchoBackend,
  startZoneCp,
  waitFor,
  waitForAck,
  xdsClient,
} from './support/zone-xds';
import type { EchoBackend, ZoneCpProcess } from './support/zone-xds';

// MeshHTTPRoute and MeshTimeout end to end: the built zone-cp as a process, a real
// @grpc/grpc-js-xds client in this process calling `xds:///echo`, and two real gRPC echo servers
// as the subsets `version: v1` and `version: v2` of service `echo`. Policies go in through the
// REST API; the tests observe what the client's RPCs do, and what `_rules` and `_config` show.

const MESH = 'policies';
const CLIENT = 'echo-client';
const V1 = { version: 'v1' };
const V2 = { version: 'v2' };
const V1_CLUSTER = subsetClusterName('echo', V1);
const V2_CLUSTER = subsetClusterName('echo', V2);
const CANARY = { 'x-canary': 'true' };
/** RPCs per measured split. */
const N = 2_000;

/**
 * The bound a count of `n` independent calls that each go to v2 with probability `p` stays in,
 * except with negligible probability: the binomial mean n·p plus or minus 5 standard deviations
 * √(n·p·(1−p)). grpc-js-xds picks a weighted cluster per call with Math.random (independent
 * Bernoulli trials), so the v2 count is Binomial(n, p), close to normal at these sizes; a count
 * outside ±5σ happens with probability ≈ 5.7·10⁻⁷ per assertion when the split is right (the
 * normal two-sided tail; with n·p ≥ 100 the binomial's is of the same order), while a wrong split
 * is caught: for n = 2,000 and p = 0.1 the bound is 133..267 (a v2 share of 6.65 %–13.35 %), for
 * p = 0.5 it is 889..1,111 (44.45 %–55.55 %), and for the 1,000-call checks at p = 0.5 421..579 —
 * far from each other and from 0 or n.
 */
function fiveSigma(n: number, p: number): { low: number; high: number } {
  const sigma = Math.sqrt(n * p * (1 - p));
  return { low: Math.ceil(n * p - 5 * sigma), high: Math.floor(n * p + 5 * sigma) };
}

function assertSplit(counts: Record<string, number>, n: number, p: number, what: string): void {
  const v1 = counts['v1'] ?? 0;
  const v2 = counts['v2'] ?? 0;
  assert.equal(v1 + v2, n, `${what}: only v1 and v2 answer: ${JSON.stringify(counts)}`);
  const { low, high } = fiveSigma(n, p);
  assert.ok(v2 >= low && v2 <= high, `${what}: v2 answered ${v2} of ${n} (${((100 * v2) / n).toFixed(1)} %), expected ${low}..${high}`);
}

/** A MeshHTTPRoute applied by the client (selected through its inbound's service) to its traffic to `echo`. */
function echoRoute(name: string, rules: unknown[]) {
  return {
    type: 'MeshHTTPRoute',
    mesh: MESH,
    name,
    labels: {},
    spec: {
      targetRef: { kind: 'MeshService', name: CLIENT },
      to: [{ targetRef: { kind: 'MeshService', name: 'echo' }, rules }],
    },
  };
}

const subset = (tags: Record<string, string>, weight?: number) => ({ kind: 'MeshServiceSubset', name: 'echo', tags, ...(weight !== undefined ? { weight } : {}) });
const splitRule = (v1: number, v2: number) => ({ matches: [{ path: { type: 'PathPrefix', value: '/' } }], default: { backendRefs: [subset(V1, v1), subset(V2, v2)] } });
const canaryRule = { matches: [{ headers: [{ type: 'Exact', name: 'x-canary', value: 'true' }] }], default: { backendRefs: [subset(V2)] } };

function meshTimeout(name: string, spec: Record<string, unknown>) {
  return { type: 'MeshTimeout', mesh: MESH, name, labels: {}, spec };
}

interface RouteJson {
  match: Record<string, unknown>;
  route: { cluster?: string; weighted_clusters?: { clusters: Array<{ name: string; weight: { value: number } }> }; max_stream_duration?: unknown };
}

/** The routes of `outbound:echo` in a served config. */
function echoRoutes(config: DataplaneConfigView): RouteJson[] {
  const rc = config.resources[TypeUrl.route]?.find((r) => r.name === 'outbound:echo')?.resource as { virtual_hosts: Array<{ routes: RouteJson[] }> } | undefined;
  return rc?.virtual_hosts[0]?.routes ?? [];
}

/** Weights of the weighted clusters of the catch-all route, by cluster name. */
function catchAllWeights(config: DataplaneConfigView): Record<string, number> | undefined {
  const route = echoRoutes(config).find((r) => r.match['headers'] === undefined && r.match['prefix'] === '/');
  const clusters = route?.route.weighted_clusters?.clusters;
  return clusters && Object.fromEntries(clusters.map((c) => [c.name, c.weight.value]));
}

const sameWeights = (config: DataplaneConfigView, v1: number, v2: number) => {
  const w = catchAllWeights(config);
  return w?.[V1_CLUSTER] === v1 && w[V2_CLUSTER] === v2;
};

describe('zone-cp MeshHTTPRoute and MeshTimeout with a proxyless gRPC client (process)', function () {
  this.timeout(120_000);
  let dir: string;
  let cp: ZoneCpProcess;
  const backends: EchoBackend[] = [];
  let client: grpc.Client;
  /** Every split observed, for the log at the end. */
  const observed: string[] = [];

  before(async () => {
    registerXdsResolver();
    dir = mkdtempSync(join(tmpdir(), 'mycel-zone-xds-policies-'));
    cp = await startZoneCp(dir);
    const { api } = cp;
    expectStatus(await api.put(`/meshes/${MESH}`, { type: 'Mesh', name: MESH, labels: {} }), 201, 'create the mesh');
    for (const [id, tags] of [['v1', V1], ['v2', V2]] as const) {
      const backend = await startEchoBackend(id, { honourDelay: true });
      backends.push(backend);
      expectStatus(await api.put(`/meshes/${MESH}/dataplanes/echo-${id}`, grpcDataplane(MESH, `echo-${id}`, 'echo', backend.port, [], tags)), 201);
    }
    // The client's own inbound is never dialled; a Dataplane needs one, and the route selects the client by its service.
    expectStatus(await api.put(`/meshes/${MESH}/dataplanes/${CLIENT}`, grpcDataplane(MESH, CLIENT, CLIENT, await freePort(), ['echo'])), 201);
    client = xdsClient('echo', await grpcBootstrapFor(cp, MESH, CLIENT));
    // Without policies the client round-robins over both instances: warm up until both answered.
    await waitFor('both backends to answer', async () => {
      const counts = await countAnswers(client, 10, { concurrency: 1 });
      return counts['v1'] && counts['v2'] ? true : undefined;
    });
  });

  after(async () => {
    if (observed.length > 0) process.stdout.write(`      observed: ${observed.join('; ')}\n`);
    client?.close();
    if (cp) {
      cp.proc.child.kill('SIGTERM');
      assert.deepEqual(await cp.proc.exited, { code: 0, signal: null }, cp.proc.output());
    }
    for (const backend of backends) backend.server.forceShutdown();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Warms up a split: until both subset clusters answered (their subchannels are READY), so the count measures the weights only. */
  async function warmUp(what: string, options: { metadata?: Record<string, string> } = {}): Promise<void> {
    await waitFor(`both subsets to answer (${what})`, async () => {
      const counts = await countAnswers(client, 40, options);
      return counts['v1'] && counts['v2'] ? true : undefined;
    });
  }

  it('splits 90/10 between the subsets v1 and v2, then 50/50 after a PUT, without restarting the client', async () => {
    expectStatus(await cp.api.put(`/meshes/${MESH}/meshhttproutes/echo-split`, echoRoute('echo-split', [splitRule(90, 10)])), 201);
    await waitForAck(cp, MESH, CLIENT, TypeUrl.route, (c) => sameWeights(c, 90, 10));
    await warmUp('90/10');
    const first = await countAnswers(client, N);
    observed.push(`90/10 → ${JSON.stringify(first)}`);
    assertSplit(first, N, 0.1, '90/10');

    expectStatus(await cp.api.put(`/meshes/${MESH}/meshhttproutes/echo-split`, echoRoute('echo-split', [splitRule(50, 50)])), 200);
    // The same clusters, new weights: the client applies the route configuration as soon as it ACKs it.
    await waitForAck(cp, MESH, CLIENT, TypeUrl.route, (c) => sameWeights(c, 50, 50));
    await warmUp('50/50');
    const second = await countAnswers(client, N);
    observed.push(`50/50 → ${JSON.stringify(second)}`);
    assertSplit(second, N, 0.5, '50/50');
  });

  it('routes every call with x-canary: true to v2, the others by the default rule', async () => {
    expectStatus(await cp.api.put(`/meshes/${MESH}/meshhttproutes/echo-split`, echoRoute('echo-split', [splitRule(50, 50), canaryRule])), 200);
    await waitForAck(cp, MESH, CLIENT, TypeUrl.route, (c) => echoRoutes(c).some((r) => r.match['headers'] !== undefined));
    const canary = await countAnswers(client, 500, { metadata: CANARY });
    observed.push(`x-canary: true → ${JSON.stringify(canary)}`);
    assert.deepEqual(canary, { v2: 500 });

    // Without the header, and with another value, calls take the 50/50 rule.
    await warmUp('default rule');
    const plain = await countAnswers(client, 1_000);
    observed.push(`no header → ${JSON.stringify(plain)}`);
    assertSplit(plain, 1_000, 0.5, 'no header');
    const notCanary = await countAnswers(client, 1_000, { metadata: { 'x-canary': 'false' } });
    observed.push(`x-canary: false → ${JSON.stringify(notCanary)}`);
    assertSplit(notCanary, 1_000, 0.5, 'x-canary: false');
  });

  it('fails a call that outlives the MeshTimeout requestTimeout with DEADLINE_EXCEEDED, and lets it through once the policy is deleted', async () => {
    // The backends wait 1 s before answering this call; the client's own deadline is 10 s, so
    // only the policy's 300 ms can end it early. (No time is measured: the status tells.)
    const slow = (metadata: Record<string, string> = {}) => callEchoWith(client, { metadata: { [DELAY_METADATA]: '1000', ...metadata }, deadlineMs: 10_000 });
    assert.match(await slow(), /^v[12]$/, 'without a MeshTimeout the slow call succeeds');

    const timeout = meshTimeout('echo-timeout', { to: [{ targetRef: { kind: 'MeshService', name: 'echo' }, default: { http: { requestTimeout: '300ms' } } }] });
    expectStatus(await cp.api.put(`/meshes/${MESH}/meshtimeouts/echo-timeout`, timeout), 201);
    await waitForAck(cp, MESH, CLIENT, TypeUrl.route, (c) => echoRoutes(c).every((r) => r.route.max_stream_duration !== undefined));
    for (const metadata of [{}, CANARY]) {
      await assert.rejects(slow(metadata), (err: grpc.ServiceError) => {
        assert.equal(err.code, grpc.status.DEADLINE_EXCEEDED, `${JSON.stringify(metadata)}: ${err.message}`);
        return true;
      });
    }
    // Fast calls are unaffected, on the weighted and on the header-matched route.
    assert.match(await callEchoWith(client), /^v[12]$/);
    assert.equal(await callEchoWith(client, { metadata: CANARY }), 'v2');

    expectStatus(await cp.api.delete(`/meshes/${MESH}/meshtimeouts/echo-timeout`), 204);
    await waitForAck(cp, MESH, CLIENT, TypeUrl.route, (c) => echoRoutes(c).every((r) => r.route.max_stream_duration === undefined));
    assert.match(await slow(), /^v[12]$/);
    assert.equal(await slow(CANARY), 'v2');
  });

  it('shows the merged rules in _rules and the weighted clusters in _config', async () => {
    const { api } = cp;
    // Two MeshTimeouts: a mesh-wide default, and one for the client's calls to echo that overrides it.
    const meshDefaults = meshTimeout('mesh-defaults', { to: [{ targetRef: { kind: 'Mesh' }, default: { connectionTimeout: '2s', http: { requestTimeout: '10s' } } }] });
    const clientEcho = meshTimeout('client-echo', {
      targetRef: { kind: 'Dataplane', name: CLIENT },
      to: [{ targetRef: { kind: 'MeshService', name: 'echo' }, default: { http: { requestTimeout: '3s' } } }],
    });
    expectStatus(await api.put(`/meshes/${MESH}/meshtimeouts/mesh-defaults`, meshDefaults), 201);
    expectStatus(await api.put(`/meshes/${MESH}/meshtimeouts/client-echo`, clientEcho), 201);

    // `_rules` merges the policies of the control plane's index, which follows the store's change feed: wait until it has both.
    const rules = await waitFor('_rules to list both MeshTimeouts', async () => {
      const r = await api.getJson<{ types: Record<string, { policies: unknown[] }> }>(`/meshes/${MESH}/dataplanes/${CLIENT}/_rules`);
      return r.types['MeshTimeout']?.policies.length === 2 ? r : undefined;
    });
    assert.deepEqual(rules, {
      mesh: MESH,
      dataplane: CLIENT,
      types: {
        MeshHTTPRoute: {
          policies: [{ name: 'echo-split', origin: 'zone', targetRef: { kind: 'MeshService', name: CLIENT } }],
          to: [
            {
              destination: { kind: 'MeshService', name: 'echo' },
              // Header matches are normalised: an explicit `type: Exact`.
              conf: { rules: [splitRule(50, 50), canaryRule] },
              origins: ['echo-split'],
            },
          ],
          from: [],
          invalid: [],
        },
        MeshTimeout: {
          // Merge order: the less specific top-level targetRef (Mesh) first.
          policies: [
            { name: 'mesh-defaults', origin: 'zone', targetRef: { kind: 'Mesh' } },
            { name: 'client-echo', origin: 'zone', targetRef: { kind: 'Dataplane', name: CLIENT } },
          ],
          to: [
            { destination: { kind: 'Mesh' }, conf: { connectionTimeout: '2s', http: { requestTimeout: '10s' } }, origins: ['mesh-defaults'] },
            // The echo rule includes the mesh-wide entry; the more specific policy's requestTimeout wins.
            { destination: { kind: 'MeshService', name: 'echo' }, conf: { connectionTimeout: '2s', http: { requestTimeout: '3s' } }, origins: ['mesh-defaults', 'client-echo'] },
          ],
          from: [],
          invalid: [],
        },
      },
    });
    expectStatus(await api.get(`/meshes/${MESH}/dataplanes/nope/_rules`), 404);

    const config = await waitForAck(cp, MESH, CLIENT, TypeUrl.route, (c) => echoRoutes(c).some((r) => r.route.max_stream_duration !== undefined));
    assert.equal(config.source, 'served');
    assert.equal(config.proxyKind, 'grpc');
    const names = (typeUrl: string) => (config.resources[typeUrl] ?? []).map((r) => r.name);
    // The route added the subset clusters (with their ClusterLoadAssignments) next to the service's own.
    assert.deepEqual(names(TypeUrl.cluster), ['echo', V1_CLUSTER, V2_CLUSTER].sort());
    assert.deepEqual(names(TypeUrl.endpoint), ['echo', V1_CLUSTER, V2_CLUSTER].sort());
    const ports = (cluster: string) => {
      const cla = config.resources[TypeUrl.endpoint]?.find((r) => r.name === cluster)?.resource as {
        endpoints: Array<{ lb_endpoints: Array<{ endpoint: { address: { socket_address: { port_value: number } } } }> }>;
      };
      return cla.endpoints.flatMap((l) => l.lb_endpoints.map((e) => e.endpoint.address.socket_address.port_value)).sort();
    };
    const [v1, v2] = backends as [EchoBackend, EchoBackend];
    assert.deepEqual(ports(V1_CLUSTER), [v1.port]);
    assert.deepEqual(ports(V2_CLUSTER), [v2.port]);
    assert.deepEqual(ports('echo'), [v1.port, v2.port].sort());
    // The header match first, then the weighted split as the catch-all; both carry the 3 s RPC timeout.
    const timeout = { max_stream_duration: { seconds: '3' } };
    assert.deepEqual(echoRoutes(config), [
      { match: { prefix: '/', headers: [{ name: 'x-canary', string_match: { exact: 'true' } }] }, route: { cluster: V2_CLUSTER, max_stream_duration: timeout } },
      {
        match: { prefix: '/' },
        route: {
          weighted_clusters: { clusters: [{ name: V1_CLUSTER, weight: { value: 50 } }, { name: V2_CLUSTER, weight: { value: 50 } }] },
          max_stream_duration: timeout,
        },
      },
    ]);

    for (const name of ['mesh-defaults', 'client-echo']) expectStatus(await api.delete(`/meshes/${MESH}/meshtimeouts/${name}`), 204);
    await waitForAck(cp, MESH, CLIENT, TypeUrl.route, (c) => echoRoutes(c).every((r) => r.route.max_stream_duration === undefined));
  });

  it('refuses an invalid MeshHTTPRoute with 400 and field paths, and the client traffic stays as it was', async () => {
    const { api, base } = cp;
    const before = {
      config: await api.getJson<DataplaneConfigView>(`/meshes/${MESH}/dataplanes/${CLIENT}/_config`),
      route: await api.getJson<Resource>(`/meshes/${MESH}/meshhttproutes/echo-split`),
      generations: await metric(base, 'mycel_xds_generations_total'),
    };
    const invalid = echoRoute('echo-split', [
      { matches: [{ path: { type: 'RegularExpression', value: '/mycel\\.test\\.Echo/(Echo' } }], default: { backendRefs: [subset(V1, 90), subset(V2, -10)] } },
      { matches: [{ headers: [{ type: 'RegularExpression', name: 'x-canary', value: '(?=true)' }] }], default: { backendRefs: [subset(V2)] } },
    ]);
    const R = 'spec.to[0].rules';
    const fields = [`${R}[0].matches[0].path.value`, `${R}[0].default.backendRefs[1].weight`, `${R}[1].matches[0].headers[0].value`];
    // Replacing the live route, and creating a new one: both refused, nothing stored.
    const update = expectProblem(await api.put(`/meshes/${MESH}/meshhttproutes/echo-split`, invalid), 400, fields);
    const reasons = Object.fromEntries((update.invalidParameters ?? []).map((p) => [p.field, p.reason]));
    assert.match(reasons[`${R}[0].default.backendRefs[1].weight`] ?? '', /between 0 and 1000000, got -10/);
    assert.match(reasons[`${R}[0].matches[0].path.value`] ?? '', /RE2/);
    assert.match(reasons[`${R}[1].matches[0].headers[0].value`] ?? '', /RE2|lookahead|lookaround/i);
    expectProblem(await api.put(`/meshes/${MESH}/meshhttproutes/echo-bad`, { ...invalid, name: 'echo-bad' }), 400, fields);
    expectStatus(await api.get(`/meshes/${MESH}/meshhttproutes/echo-bad`), 404);
    const route = await api.getJson<Resource>(`/meshes/${MESH}/meshhttproutes/echo-split`);
    assert.deepEqual(route.spec, before.route.spec);
    assert.equal(route.version, before.route.version);

    // Traffic follows the last valid route: x-canary to v2, the rest 50/50.
    assert.deepEqual(await countAnswers(client, 200, { metadata: CANARY }), { v2: 200 });
    const plain = await countAnswers(client, 1_000);
    observed.push(`after the refused PUT, no header → ${JSON.stringify(plain)}`);
    assertSplit(plain, 1_000, 0.5, 'after the refused PUT');
    const after = await api.getJson<DataplaneConfigView>(`/meshes/${MESH}/dataplanes/${CLIENT}/_config`);
    assert.deepEqual(after.resources, before.config.resources, 'the served configuration is unchanged');
    assert.equal(await metric(base, 'mycel_xds_generations_total'), before.generations, 'nothing was regenerated');
  });

  it('falls back to the service cluster when the route is deleted, and splits again when it is re-created', async () => {
    const { api } = cp;
    expectStatus(await api.delete(`/meshes/${MESH}/meshhttproutes/echo-split`), 204);
    const plain = await waitForAck(cp, MESH, CLIENT, TypeUrl.cluster, (c) => (c.resources[TypeUrl.cluster] ?? []).length === 1);
    assert.deepEqual(echoRoutes(plain), [{ match: { prefix: '/' }, route: { cluster: 'echo' } }]);
    // x-canary means nothing any more: round robin over both instances.
    await waitFor('round robin over both instances for x-canary calls', async () => {
      const counts = await countAnswers(client, 10, { metadata: CANARY, concurrency: 1 });
      return counts['v1'] && counts['v2'] ? true : undefined;
    });

    // The client unsubscribed from the subset clusters; re-created, they are sent again although their versions did not change.
    expectStatus(await api.put(`/meshes/${MESH}/meshhttproutes/echo-split`, echoRoute('echo-split', [splitRule(90, 10), canaryRule])), 201);
    await waitForAck(cp, MESH, CLIENT, TypeUrl.cluster, (c) => (c.resources[TypeUrl.cluster] ?? []).length === 3);
    await warmUp('re-created 90/10');
    assert.deepEqual(await countAnswers(client, 200, { metadata: CANARY }), { v2: 200 });
    const again = await countAnswers(client, 1_000);
    observed.push(`re-created 90/10 → ${JSON.stringify(again)}`);
    assertSplit(again, 1_000, 0.1, 're-created 90/10');
  });
});
