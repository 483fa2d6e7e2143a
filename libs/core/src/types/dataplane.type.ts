import type { ResourceTypeDescriptor } from '../descriptor';
import { nameProblem } from '../names';
import type { JsonObject, Violation } from '../validation';
import { Violations, childPath, indexPath } from '../validation';
import {
  DEFAULT_OUTBOUND_ADDRESS,
  MAX_PORT,
  MIN_PORT,
  canonicalAddress,
  formatHostPort,
  hostProblem,
  ipAddressProblem,
} from './address';
import { ZONE_TO_GLOBAL } from './kds-flags';
import { checkTags } from './tags';

/** A port the dataplane's proxy serves for one service instance. */
export interface DataplaneInbound {
  /** Port the proxy listens on for this inbound, 1..65535; unique per address. */
  readonly port: number;
  /** Port the application listens on; `port` when absent. */
  readonly servicePort?: number;
  /** IP address the application listens on; 127.0.0.1 when absent. */
  readonly serviceAddress?: string;
  /** IP address the proxy listens on; `networking.address` when absent. */
  readonly address?: string;
  /** Tags of this instance; `mycel.io/service` is required, `mycel.io/protocol` defaults to tcp. */
  readonly tags: Readonly<Record<string, string>>;
  /** Readiness reported by the zone (e.g. from Kubernetes); ready when absent. */
  readonly health?: { readonly ready: boolean };
}

/** The MeshService an outbound points at. */
export interface DataplaneBackendRef {
  readonly kind: 'MeshService';
  /** Name of a MeshService in the dataplane's mesh. */
  readonly name: string;
  /** Port of that MeshService; its only port when absent. */
  readonly port?: number;
}

/** Fields every outbound has. */
export interface DataplaneOutboundCommon {
  /** Port the proxy listens on for this outbound, 1..65535. */
  readonly port: number;
  /** IP address the proxy listens on; 127.0.0.1 when absent. (address, port) is unique. */
  readonly address?: string;
}

/** An outbound that selects its destination by tags (`mycel.io/service` required). */
export interface DataplaneTagsOutbound extends DataplaneOutboundCommon {
  readonly tags: Readonly<Record<string, string>>;
  readonly backendRef?: never;
}

/** An outbound that names a MeshService. */
export interface DataplaneBackendRefOutbound extends DataplaneOutboundCommon {
  readonly backendRef: DataplaneBackendRef;
  readonly tags?: never;
}

/** A local listener for one upstream: exactly one of `tags` and `backendRef`. */
export type DataplaneOutbound = DataplaneTagsOutbound | DataplaneBackendRefOutbound;

/** Makes the dataplane a gateway instead of a service proxy. */
export interface DataplaneGateway {
  /** BUILTIN: the control plane configures the listeners; DELEGATED: another proxy does the gateway work. */
  readonly type: 'BUILTIN' | 'DELEGATED';
  /** Tags of the gateway; `mycel.io/service` is required. */
  readonly tags: Readonly<Record<string, string>>;
}

/** Address families the transparent proxy redirects. */
export type IpFamilyMode = 'dualstack' | 'ipv4' | 'ipv6';

/** Traffic redirection set up by iptables/eBPF around the proxy. */
export interface DataplaneTransparentProxying {
  /** Port inbound traffic is redirected to, 1..65535. */
  readonly redirectPortInbound: number;
  /** Port outbound traffic is redirected to, 1..65535; differs from `redirectPortInbound`. */
  readonly redirectPortOutbound: number;
  /** dualstack when absent. */
  readonly ipFamilyMode?: IpFamilyMode;
}

/** Addresses and listeners of a dataplane. */
export interface DataplaneNetworking {
  /** IPv4, IPv6 or DNS name the proxy binds to and other proxies reach it at. */
  readonly address: string;
  /** Address other proxies use instead of `address` when it is not routable for them (e.g. behind NAT). */
  readonly advertisedAddress?: string;
  /** Envoy admin listener; its port differs from every inbound and redirect port. */
  readonly admin?: { readonly port: number };
  /** At least one inbound or a gateway, never both. */
  readonly inbound?: readonly DataplaneInbound[];
  readonly outbound?: readonly DataplaneOutbound[];
  readonly gateway?: DataplaneGateway;
  readonly transparentProxying?: DataplaneTransparentProxying;
}

/** Spec of a `Dataplane`: one proxy (sidecar or gateway) and what it serves. */
export interface DataplaneSpec {
  readonly networking: DataplaneNetworking;
}

const GATEWAY_TYPES = ['BUILTIN', 'DELEGATED'] as const;
const IP_FAMILY_MODES: readonly IpFamilyMode[] = ['dualstack', 'ipv4', 'ipv6'];
const BACKEND_REF_KINDS = ['MeshService'] as const;

/** Records `problem(text)` at `path` when it has one. */
function check(v: Violations, text: string | undefined, path: string, problem: (text: string) => string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const reason = problem(text);
  if (reason) {
    v.add(path, reason);
    return undefined;
  }
  return text;
}

function port(v: Violations, value: unknown, path: string): number | undefined {
  return v.integer(value, path, MIN_PORT, MAX_PORT);
}

/** A port at most one listener may use: records where each (address, port) is first declared. */
class ListenerSet {
  private readonly seen = new Map<string, string>();

  constructor(
    private readonly v: Violations,
    private readonly what: string,
  ) {}

  /** Claims `address:port` for `path`; records a violation at `path` when it is already taken. */
  claim(address: string, port: number, path: string): void {
    const key = `${canonicalAddress(address)} ${port}`;
    const first = this.seen.get(key);
    if (first === undefined) this.seen.set(key, path);
    else this.v.add(path, `must be unique: ${this.what} ${formatHostPort(address, port)} is already declared by ${first}`);
  }
}

function validateInbound(v: Violations, raw: unknown, p: string, dpAddress: string | undefined, listeners: ListenerSet): number | undefined {
  const o = v.object(raw, p, ['port', 'servicePort', 'serviceAddress', 'address', 'tags', 'health']);
  if (!o) return undefined;
  const inboundPort = port(v, o['port'], childPath(p, 'port'));
  const servicePort = v.optionalInteger(o['servicePort'], childPath(p, 'servicePort'), MIN_PORT, MAX_PORT);
  const serviceAddress = check(v, v.optionalString(o['serviceAddress'], childPath(p, 'serviceAddress')), childPath(p, 'serviceAddress'), ipAddressProblem);
  const addressGiven = o['address'] !== undefined;
  const address = check(v, v.optionalString(o['address'], childPath(p, 'address')), childPath(p, 'address'), ipAddressProblem);
  checkTags(v, o['tags'], childPath(p, 'tags'));
  const health = v.optionalObject(o['health'], childPath(p, 'health'), ['ready']);
  if (health) requiredBoolean(v, health['ready'], childPath(childPath(p, 'health'), 'ready'));

  const effectiveAddress = addressGiven ? address : dpAddress;
  if (inboundPort !== undefined && effectiveAddress !== undefined) {
    listeners.claim(effectiveAddress, inboundPort, childPath(p, 'port'));
    // The proxy listens on address:port and forwards to serviceAddress:servicePort; equal pairs loop.
    if (serviceAddress !== undefined && canonicalAddress(serviceAddress) === canonicalAddress(effectiveAddress) && (servicePort ?? inboundPort) === inboundPort) {
      v.add(
        childPath(p, 'serviceAddress'),
        `must differ from the inbound's own address when servicePort equals port, got ${formatHostPort(serviceAddress, inboundPort)} for both (the proxy would forward to itself)`,
      );
    }
  }
  return inboundPort;
}

function requiredBoolean(v: Violations, value: unknown, path: string): void {
  if (value === undefined) v.add(path, 'is required');
  else v.optionalBoolean(value, path);
}

function validateOutbound(v: Violations, raw: unknown, p: string, listeners: ListenerSet): void {
  const o = v.object(raw, p, ['port', 'address', 'tags', 'backendRef']);
  if (!o) return;
  const outboundPort = port(v, o['port'], childPath(p, 'port'));
  const addressGiven = o['address'] !== undefined;
  const address = check(v, v.optionalString(o['address'], childPath(p, 'address')), childPath(p, 'address'), ipAddressProblem);
  const hasTags = o['tags'] !== undefined;
  const hasRef = o['backendRef'] !== undefined;
  if (hasTags && hasRef) v.add(p, 'must set exactly one of tags and backendRef, got both');
  else if (!hasTags && !hasRef) v.add(p, 'must set exactly one of tags and backendRef, got neither');
  if (hasTags) checkTags(v, o['tags'], childPath(p, 'tags'));
  if (hasRef) validateBackendRef(v, o['backendRef'], childPath(p, 'backendRef'));

  const effectiveAddress = addressGiven ? address : DEFAULT_OUTBOUND_ADDRESS;
  if (outboundPort !== undefined && effectiveAddress !== undefined) listeners.claim(effectiveAddress, outboundPort, childPath(p, 'port'));
}

function validateBackendRef(v: Violations, value: unknown, path: string): void {
  const o = v.object(value, path, ['kind', 'name', 'port']);
  if (!o) return;
  v.oneOf(o['kind'], childPath(path, 'kind'), BACKEND_REF_KINDS);
  check(v, v.string(o['name'], childPath(path, 'name')), childPath(path, 'name'), nameProblem);
  v.optionalInteger(o['port'], childPath(path, 'port'), MIN_PORT, MAX_PORT);
}

function validateGateway(v: Violations, value: unknown, path: string): void {
  const o = v.object(value, path, ['type', 'tags']);
  if (!o) return;
  v.oneOf(o['type'], childPath(path, 'type'), GATEWAY_TYPES);
  checkTags(v, o['tags'], childPath(path, 'tags'));
}

interface RedirectPorts {
  readonly inbound?: number;
  readonly outbound?: number;
}

function validateTransparentProxying(v: Violations, value: unknown, path: string): RedirectPorts {
  const o = v.optionalObject(value, path, ['redirectPortInbound', 'redirectPortOutbound', 'ipFamilyMode']);
  if (!o) return {};
  const inbound = port(v, o['redirectPortInbound'], childPath(path, 'redirectPortInbound'));
  const outbound = port(v, o['redirectPortOutbound'], childPath(path, 'redirectPortOutbound'));
  v.optionalOneOf(o['ipFamilyMode'], childPath(path, 'ipFamilyMode'), IP_FAMILY_MODES);
  if (inbound !== undefined && inbound === outbound) {
    v.add(childPath(path, 'redirectPortOutbound'), `must differ from redirectPortInbound, got ${outbound} for both`);
  }
  return { inbound, outbound };
}

/** The admin port must not be one a proxy listener already binds. */
function checkAdminPort(v: Violations, adminPort: number, path: string, inboundPorts: readonly (number | undefined)[], networkingPath: string, redirect: RedirectPorts): void {
  const inboundIndex = inboundPorts.indexOf(adminPort);
  if (inboundIndex >= 0) {
    v.add(path, `must differ from every inbound port, got ${adminPort} which ${indexPath(childPath(networkingPath, 'inbound'), inboundIndex)}.port also uses`);
  }
  const tp = childPath(networkingPath, 'transparentProxying');
  if (adminPort === redirect.inbound) v.add(path, `must differ from the redirect ports, got ${adminPort} which ${tp}.redirectPortInbound also uses`);
  if (adminPort === redirect.outbound) v.add(path, `must differ from the redirect ports, got ${adminPort} which ${tp}.redirectPortOutbound also uses`);
}

function validateNetworking(v: Violations, n: JsonObject, path: string): void {
  const addressPath = childPath(path, 'address');
  const address = check(v, v.string(n['address'], addressPath), addressPath, hostProblem);
  const advertisedPath = childPath(path, 'advertisedAddress');
  check(v, v.optionalString(n['advertisedAddress'], advertisedPath), advertisedPath, hostProblem);

  const adminPath = childPath(path, 'admin');
  const admin = v.optionalObject(n['admin'], adminPath, ['port']);
  const adminPort = admin ? port(v, admin['port'], childPath(adminPath, 'port')) : undefined;

  const inboundPath = childPath(path, 'inbound');
  const inbounds = v.optionalArray(n['inbound'], inboundPath);
  const inboundListeners = new ListenerSet(v, 'inbound');
  const inboundPorts = (inbounds ?? []).map((raw, i) => validateInbound(v, raw, indexPath(inboundPath, i), address, inboundListeners));

  const outboundPath = childPath(path, 'outbound');
  const outboundListeners = new ListenerSet(v, 'outbound');
  v.optionalArray(n['outbound'], outboundPath)?.forEach((raw, i) => validateOutbound(v, raw, indexPath(outboundPath, i), outboundListeners));

  const gatewayPath = childPath(path, 'gateway');
  const hasGateway = n['gateway'] !== undefined;
  if (hasGateway) validateGateway(v, n['gateway'], gatewayPath);
  const hasInbound = inbounds !== undefined && inbounds.length > 0;
  if (hasInbound && hasGateway) {
    v.add(gatewayPath, 'must be absent when inbounds are declared: a dataplane is either a gateway or a proxy for inbounds, got both');
  } else if (!hasInbound && !hasGateway && (inbounds !== undefined || n['inbound'] === undefined)) {
    // A malformed `inbound` already has its own violation; "neither" would only repeat it.
    v.add(path, 'must declare at least one inbound or a gateway, got neither');
  }

  const redirect = validateTransparentProxying(v, n['transparentProxying'], childPath(path, 'transparentProxying'));
  if (adminPort !== undefined) checkAdminPort(v, adminPort, childPath(adminPath, 'port'), inboundPorts, path, redirect);
}

/** Validates a Dataplane spec; every violation's field starts with `spec`. */
export function validateDataplaneSpec(spec: unknown): Violation[] {
  const v = new Violations();
  const s = v.object(spec, 'spec', ['networking']);
  if (s) {
    if (s['networking'] === undefined) v.add('spec.networking', 'is required');
    else {
      const n = v.object(s['networking'], 'spec.networking', ['address', 'advertisedAddress', 'admin', 'inbound', 'outbound', 'gateway', 'transparentProxying']);
      if (n) validateNetworking(v, n, 'spec.networking');
    }
  }
  return v.all;
}

/** `Dataplane`: a mesh type owned by the zone it runs in and synced to global (read-only there). */
export const DataplaneType: ResourceTypeDescriptor = Object.freeze({
  name: 'Dataplane',
  plural: 'dataplanes',
  singular: 'dataplane',
  scope: 'mesh',
  kds: Object.freeze({ ...ZONE_TO_GLOBAL, acrossZones: true }),
  isPolicy: false,
  readOnly: false,
  sensitive: false,
  description: 'One proxy of a mesh: its address, the inbounds it serves, its outbounds, or the gateway it runs.',
  validate: (spec: unknown) => validateDataplaneSpec(spec),
});
