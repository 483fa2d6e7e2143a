import type { DataplaneSpec, Protocol, Resource } from '@mycel/core';
import type { ProxyKind } from '@mycel/xds';

/** Name of the mesh every benchmark uses (zone-cp creates it on start). */
export const BENCH_MESH = 'default';
/** Service every fan-out dataplane calls: changing one of its instances affects all of them. */
export const HUB_SERVICE = 'hub';
/** Port the inbound of every benchmark dataplane listens on. */
export const INBOUND_PORT = 8080;
/** First outbound port; a dataplane's outbounds take consecutive ports from here. */
const FIRST_OUTBOUND_PORT = 10001;

/** One dataplane of a benchmark mesh. */
export interface BenchDataplane {
  readonly name: string;
  /** Service of its single inbound. */
  readonly service: string;
  readonly kind: ProxyKind;
  readonly spec: DataplaneSpec;
}

/** Shape of a benchmark mesh. */
export interface BenchMeshOptions {
  /** Number of services `svc-000` …; their protocols cycle (see {@link serviceProtocol}). */
  readonly services: number;
  /** Envoy dataplanes, spread round-robin over the services (at least one per service). */
  readonly dataplanes: number;
  /** Outbounds of every Envoy dataplane (to the next services, wrapping around). */
  readonly outbounds: number;
  /** Whether there is a {@link HUB_SERVICE} (2 instances) that every Envoy dataplane calls first. */
  readonly hub: boolean;
  /** Proxyless gRPC clients (no inbound), each calling `outbounds` gRPC services. */
  readonly proxylessClients: number;
  /** Prefix of every dataplane name (services keep their names), so meshes of several zones do not collide; none by default. */
  readonly namePrefix?: string;
  /** Index of the first {@link dataplaneAddress}, so meshes of several zones use distinct addresses; 0 by default. */
  readonly firstAddress?: number;
}

/** A benchmark mesh: services, the dataplanes under test, and the hub's instances (never connected). */
export interface BenchMesh {
  readonly services: readonly string[];
  /** The dataplanes that connect (Envoy first, then proxyless clients), by name order within each kind. */
  readonly dataplanes: readonly BenchDataplane[];
  /** Instances of the hub service: endpoints every Envoy dataplane uses, not connected themselves. */
  readonly hub: readonly BenchDataplane[];
}

/** `svc-007` for 7. */
export function serviceName(i: number): string {
  return `svc-${String(i).padStart(3, '0')}`;
}

/** Protocol of service `i`: one in ten gRPC, one in ten TCP, the rest HTTP — a mix every generator path sees. */
export function serviceProtocol(i: number): Protocol {
  if (i % 10 === 0) return 'grpc';
  if (i % 10 === 1) return 'tcp';
  return 'http';
}

/** A distinct IPv4 address for the `n`-th dataplane (n ≥ 0): 10.x.y.z, never a network or broadcast address. */
export function dataplaneAddress(n: number): string {
  const v = n + 1;
  return `10.${(v >> 14) & 255}.${(v >> 7) & 127}.${(v & 127) + 1}`;
}

/** Builds the dataplanes of a benchmark mesh; deterministic for equal options. */
export function benchMesh(options: BenchMeshOptions): BenchMesh {
  const { services: count, outbounds } = options;
  if (count < 1) throw new Error('a benchmark mesh needs at least one service');
  const services = Array.from({ length: count }, (_, i) => serviceName(i));
  const perService = new Array<number>(count).fill(0);
  const dataplanes: BenchDataplane[] = [];
  const total = Math.max(options.dataplanes, count);
  const prefix = options.namePrefix ?? '';
  let n = options.firstAddress ?? 0;
  for (let j = 0; j < total; j++) {
    const i = j % count;
    const k = perService[i] ?? 0;
    perService[i] = k + 1;
    const calls: string[] = options.hub ? [HUB_SERVICE] : [];
    for (let o = 1; calls.length < outbounds && o < count; o++) calls.push(serviceName((i + o) % count));
    dataplanes.push(envoyDataplane(`${prefix}${serviceName(i)}-${k}`, serviceName(i), serviceProtocol(i), dataplaneAddress(n++), calls));
  }
  dataplanes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const grpcServices = services.filter((_, i) => serviceProtocol(i) === 'grpc');
  for (let c = 0; c < options.proxylessClients; c++) {
    const calls = grpcServices.length === 0 ? [] : Array.from({ length: Math.min(outbounds, grpcServices.length) }, (_, o) => grpcServices[(c + o) % grpcServices.length] as string);
    dataplanes.push(proxylessClient(`${prefix}grpc-client-${c}`, dataplaneAddress(n++), calls));
  }
  const hub = options.hub ? [0, 1].map((k) => envoyDataplane(`${prefix}${HUB_SERVICE}-${k}`, HUB_SERVICE, 'http', dataplaneAddress(n++), [])) : [];
  return { services, dataplanes, hub };
}

/** An Envoy sidecar serving `service` on {@link INBOUND_PORT} and calling `calls` through consecutive outbound ports. */
export function envoyDataplane(name: string, service: string, protocol: Protocol, address: string, calls: readonly string[], port = INBOUND_PORT): BenchDataplane {
  return {
    name,
    service,
    kind: 'envoy',
    spec: {
      networking: {
        address,
        inbound: [{ port, servicePort: port + 1, tags: { 'mycel.io/service': service, 'mycel.io/protocol': protocol } }],
        ...(calls.length > 0 ? { outbound: calls.map((s, o) => ({ port: FIRST_OUTBOUND_PORT + o, tags: { 'mycel.io/service': s } })) } : {}),
      },
    },
  };
}

/** A proxyless gRPC client (no inbound) calling `calls`. */
function proxylessClient(name: string, address: string, calls: readonly string[]): BenchDataplane {
  return {
    name,
    service: name,
    kind: 'grpc',
    spec: { networking: { address, outbound: calls.map((s, o) => ({ port: FIRST_OUTBOUND_PORT + o, tags: { 'mycel.io/service': s } })) } },
  };
}

/** The stored form of `dp` in {@link BENCH_MESH}, for code that takes resources rather than the API. */
export function dataplaneResource(dp: BenchDataplane, version = '1'): Resource<DataplaneSpec> {
  const time = '2026-01-01T00:00:00Z';
  return { type: 'Dataplane', mesh: BENCH_MESH, name: dp.name, labels: {}, spec: dp.spec, creationTime: time, modificationTime: time, version };
}

/** The REST body of `dp` (PUT /meshes/{mesh}/dataplanes/{name}). */
export function dataplaneBody(dp: BenchDataplane): Record<string, unknown> {
  return { type: 'Dataplane', mesh: BENCH_MESH, name: dp.name, labels: {}, spec: dp.spec };
}
