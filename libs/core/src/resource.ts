/** Label keys Mycel itself sets or reads. */
export const Labels = {
  /** Where the resource was created: `global` or `zone`. */
  origin: 'mycel.io/origin',
  /** The zone a zone-originated resource came from. */
  zone: 'mycel.io/zone',
  /** The name a resource had in its zone before a hash suffix was added at global. */
  displayName: 'mycel.io/display-name',
  /** Tag naming the service an inbound belongs to (required on each inbound). */
  service: 'mycel.io/service',
  /** Tag naming the protocol of an inbound: tcp, http, http2 or grpc. */
  protocol: 'mycel.io/protocol',
} as const;

/** Protocols a service may declare with the `mycel.io/protocol` tag. */
export const PROTOCOLS = ['tcp', 'http', 'http2', 'grpc'] as const;
/** One of {@link PROTOCOLS}. */
export type Protocol = (typeof PROTOCOLS)[number];

/** Identifies one resource: `mesh` is present exactly for mesh-scoped types. */
export interface ResourceKey {
  readonly type: string;
  readonly mesh?: string;
  readonly name: string;
}

/** What a client supplies: the envelope without store-set fields. */
export interface ResourceInput<Spec = unknown> {
  readonly type: string;
  readonly mesh?: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly spec: Spec;
}

/**
 * A stored resource. `version` increases by one on every change (as a decimal string, compared only
 * for equality by clients); times are RFC 3339 UTC strings set by the store.
 */
export interface Resource<Spec = unknown> extends ResourceInput<Spec> {
  readonly creationTime: string;
  readonly modificationTime: string;
  readonly version: string;
}

/** Human-readable form of a key: `Dataplane default/web-1` or `Zone east`. */
export function formatKey(key: ResourceKey): string {
  return key.mesh === undefined ? `${key.type} ${key.name}` : `${key.type} ${key.mesh}/${key.name}`;
}

/** The key of a resource (or input). */
export function keyOf(r: ResourceKey): ResourceKey {
  return r.mesh === undefined ? { type: r.type, name: r.name } : { type: r.type, mesh: r.mesh, name: r.name };
}

/** Type name of meshes; deleting one deletes every resource of that mesh. */
export const MESH_TYPE = 'Mesh';
