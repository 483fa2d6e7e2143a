import { BENCH_MESH, HUB_SERVICE, INBOUND_PORT, dataplaneBody, envoyDataplane } from './bench-mesh';
import type { BenchDataplane } from './bench-mesh';
import type { SimSpec } from '../sim/sim-fleet';
import { mapConcurrent } from '../support/concurrency';
import type { ApiClient } from '../support/cp-process';

// Putting a benchmark mesh into a control plane through its REST API, and the changes rounds make.
// One way for every scenario: dataplanes and tokens go to the zone that serves them; policies go
// to whichever control plane owns them (the zone-cp in standalone mode, global-cp in multi-zone).

/** Name of the mesh-wide MeshTimeout every scenario changes. */
export const TIMEOUT_POLICY = 'bench-timeouts';
/** The two request timeouts a policy change alternates between. */
export const REQUEST_TIMEOUTS = ['15s', '16s'] as const;

/** Registers `dataplanes` (hub instances first) through the API, `concurrency` requests in flight. */
export async function registerDataplanes(api: ApiClient, dataplanes: readonly BenchDataplane[], concurrency = 32): Promise<void> {
  await mapConcurrent(dataplanes, concurrency, (dp) => api.put(`/meshes/${BENCH_MESH}/dataplanes/${dp.name}`, dataplaneBody(dp)));
}

/**
 * Issues one dataplane token per service of `dataplanes` (bound by the `mycel.io/service` tag, as
 * an operator would) and returns what the simulated dataplanes need.
 */
export async function issueTokens(api: ApiClient, dataplanes: readonly BenchDataplane[]): Promise<SimSpec[]> {
  const services = [...new Set(dataplanes.map((dp) => dp.service))];
  const tokens = new Map<string, string>();
  await mapConcurrent(services, 16, async (service) => {
    const res = await api.post('/tokens/dataplane', { mesh: BENCH_MESH, tags: { 'mycel.io/service': service }, validFor: '24h' });
    tokens.set(service, (JSON.parse(res.text) as { token: string }).token);
  });
  return dataplanes.map((dp) => ({ mesh: BENCH_MESH, name: dp.name, token: tokens.get(dp.service) as string }));
}

/**
 * Registers the hub's instances and every dataplane through the zone's REST API (32 requests in
 * flight), the mesh-wide MeshTimeout at its first value, and the dataplane tokens; returns the
 * simulated dataplanes' specs. For a standalone zone-cp, which owns its policies.
 */
export async function registerMesh(api: ApiClient, dataplanes: readonly BenchDataplane[], hub: readonly BenchDataplane[]): Promise<SimSpec[]> {
  await registerDataplanes(api, [...hub, ...dataplanes]);
  await putMeshTimeout(api, 0);
  return issueTokens(api, dataplanes);
}

/** PUTs the mesh-wide MeshTimeout with request timeout {@link REQUEST_TIMEOUTS}[`value`]. */
export async function putMeshTimeout(api: ApiClient, value: 0 | 1): Promise<void> {
  await api.put(`/meshes/${BENCH_MESH}/meshtimeouts/${TIMEOUT_POLICY}`, {
    type: 'MeshTimeout',
    mesh: BENCH_MESH,
    name: TIMEOUT_POLICY,
    labels: {},
    spec: { targetRef: { kind: 'Mesh' }, to: [{ targetRef: { kind: 'Mesh' }, default: { http: { requestTimeout: REQUEST_TIMEOUTS[value] } } }] },
  });
}

/** Round `r`'s value of a change: even rounds move to the second value, odd rounds back, so rounds of equal parity carry equal bytes. */
export function roundValue(r: number): 0 | 1 {
  return r % 2 === 0 ? 1 : 0;
}

/** Moves the inbound port of the hub's first instance to round `r`'s value (every dataplane's hub ClusterLoadAssignment changes). */
export async function moveHubEndpoint(api: ApiClient, r: number, hub: readonly BenchDataplane[]): Promise<void> {
  const first = hub[0];
  if (!first) throw new Error('the mesh has no hub');
  const moved = envoyDataplane(first.name, HUB_SERVICE, 'http', first.spec.networking.address, [], roundValue(r) === 1 ? INBOUND_PORT + 2 : INBOUND_PORT);
  await api.put(`/meshes/${BENCH_MESH}/dataplanes/${first.name}`, dataplaneBody(moved));
}
