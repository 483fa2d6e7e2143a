/** A resource as the API returns it. Store-set fields are read-only. */
export interface ResourceEnvelope {
  /** Resource type, e.g. `Dataplane`. */
  type: string;
  /** Mesh of a mesh-scoped resource; absent for global-scoped types. */
  mesh?: string;
  /** DNS-1123 subdomain name, at most 253 characters. */
  name: string;
  labels: { [key: string]: string };
  /** Type-specific body; see GET /_resources for each type's description. */
  spec: { [key: string]: unknown };
  /** RFC 3339 time of creation (read-only). */
  creationTime: string;
  /** RFC 3339 time of the last change (read-only). */
  modificationTime: string;
  /** Increases by one on every change; send it back in If-Match for optimistic concurrency (read-only). */
  version: string;
  /** Computed, read-only state; only Zones on the global control plane have one (see {@link ZoneStatusInfo}). */
  status?: ZoneStatusInfo;
}

/** What the global control plane knows about a zone from KDS (read-only, computed on every GET). */
export interface ZoneStatusInfo {
  /** True when the zone's heartbeat arrived within the offline timeout (`kds.zoneOfflineAfter`). */
  online: boolean;
  /** RFC 3339 time global last saw a heartbeat of the zone; absent: never. */
  lastSeen?: string;
  /** The zone control plane instance that wrote the last heartbeat. */
  instanceId?: string;
  /** The zone's own clock in its last heartbeat (RFC 3339). */
  reportedTime?: string;
  /** Resources of the zone synced to global, per type (e.g. `Dataplane`). */
  resources: { [type: string]: number };
  /** Global's consumer of the zone's KDS bucket; absent when global does not follow the zone (yet). */
  kds?: ZoneKdsInfo;
}

/** State of global's KDS consumer of one zone's bucket. */
export interface ZoneKdsInfo {
  /** `mycel-zone-<zone>`. */
  bucket: string;
  /** `waiting` (for the bucket), `syncing`, `synced`, `error` or `stopped`. */
  state: string;
  /** Completed snapshots since global started. */
  resyncs: number;
  /** RFC 3339 time of the last completed snapshot. */
  lastResync?: string;
  /** The last error, cleared by a completed snapshot. */
  lastError?: string;
  /** KDS version global holds of the zone: the revision of the zone's bucket applied at global. */
  zoneRevision: number;
  /** KDS version the zone holds of global: the revision of `mycel-global` it reported as applied. */
  globalRevision?: number;
}

/** A resource as a client sends it (PUT). `type`, `mesh` and `name` default to the path; unknown fields are rejected. */
export interface ResourceRequest {
  type?: string;
  mesh?: string;
  name?: string;
  labels?: { [key: string]: string };
  spec?: { [key: string]: unknown };
}

/** One page of a listing. */
export interface ResourceList {
  items: ResourceEnvelope[];
  /** Number of matches over all pages. */
  total: number;
  /** URL of the next page, or null on the last page. */
  next: string | null;
}

/** One entry of the type catalog. */
export interface ResourceTypeInfo {
  name: string;
  plural: string;
  singular: string;
  scope: 'global' | 'mesh';
  /** REST path of the collection, e.g. `/meshes/{mesh}/dataplanes`. */
  path: string;
  policy: boolean;
  /** Written by the control plane only. */
  readOnly: boolean;
  /** Holds secret material: admin only. */
  sensitive: boolean;
  kds: { globalToZone: boolean; zoneToGlobal: boolean; acrossZones: boolean };
  description: string;
}

/** The type catalog. */
export interface ResourceCatalog {
  resources: ResourceTypeInfo[];
}

/** POST /tokens/user request. */
export interface UserTokenRequestBody {
  /** Who the token is for (DNS-1123 name). */
  name: string;
  role: 'admin' | 'operator' | 'viewer';
  /** Meshes an operator may write (operators only, required for them). */
  meshes?: string[];
  /** Lifetime such as `24h` (default) or `30d`; at most 10 years. */
  validFor?: string;
}

/** A newly issued token. */
export interface TokenResponse {
  token: string;
}

/** POST /tokens/revocations request. */
export interface RevocationRequestBody {
  /** The `jti` claim of the token to revoke. */
  jti: string;
}

/** POST /tokens/dataplane request. */
export interface DataplaneTokenRequestBody {
  /** Mesh the dataplane belongs to; the token is signed with this mesh's key. */
  mesh: string;
  /** Dataplane name the token is bound to (required unless `tags` are given). */
  name?: string;
  /** Tags the dataplane's inbounds must all carry, e.g. `{"mycel.io/service": "web"}`. */
  tags?: { [key: string]: string };
  /** Lifetime such as `24h` (default); at most 10 years. */
  validFor?: string;
}

/** POST /tokens/dataplane/revocations request. */
export interface DataplaneRevocationRequestBody {
  mesh: string;
  /** The `jti` claim of the token to revoke. */
  jti: string;
}

/** POST /tokens/zone request (global control plane in zone-token mode). */
export interface ZoneTokenRequestBody {
  /** The zone the token is for (DNS-1123 name); its control plane runs with `--zone <zone>`. */
  zone: string;
  /** Lifetime such as `8760h` (default, one year); at least 1s, at most 10 years. */
  validFor?: string;
}

/** A newly issued zone token. */
export interface ZoneTokenResponse {
  /** The NATS credentials (user JWT and nkey seed, `.creds` format) the zone control plane connects with. Secret. */
  token: string;
  /** Token id: the NATS user's public nkey; what `POST /tokens/zone/revocations` takes. */
  id: string;
  zone: string;
  /** When nats-server stops accepting it (RFC 3339, whole seconds). */
  expiresAt: string;
}

/** POST /tokens/zone/revocations request. */
export interface ZoneTokenRevocationRequestBody {
  /** The zone token's id (`U…`, from the issue response). */
  id: string;
}
