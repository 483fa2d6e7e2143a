import { MAX_PORT, MIN_PORT, ValidationError, Violations, childPath, describe, isObject, nameProblem } from '@mycel/core';
import type { JsonObject } from '@mycel/core';
import { MAX_TOKEN_LENGTH } from '@mycel/tokens';
import type { ProxyKind } from '@mycel/xds';
import type { DataplaneVersions } from './envoy-bootstrap';

/** Kinds of dataplane a bootstrap can be made for. */
export const BOOTSTRAP_KINDS: readonly ProxyKind[] = Object.freeze(['envoy', 'grpc']);
/** Fields of a `POST /bootstrap` body. */
export const BOOTSTRAP_REQUEST_FIELDS = Object.freeze(['mesh', 'name', 'token', 'kind', 'dataplane', 'adminPort', 'version']);
/** Longest version string accepted in `version.mycelDp` / `version.envoy`. */
export const MAX_VERSION_LENGTH = 128;

/** A `POST /bootstrap` body whose shape is valid; `dataplane` is still an unchecked envelope. */
export interface BootstrapRequest {
  readonly mesh: string;
  readonly name: string;
  /** The dataplane token; '' when absent (refused as unauthenticated, not as a bad request). */
  readonly token: string;
  readonly kind: ProxyKind;
  /** A Dataplane resource envelope to register (create or update) before bootstrapping. */
  readonly dataplane?: JsonObject;
  /** Port of Envoy's admin API (kind envoy only). */
  readonly adminPort?: number;
  readonly version?: DataplaneVersions;
}

const PRINTABLE = /^[\x21-\x7e]+$/;

/**
 * Checks the shape of a `POST /bootstrap` body strictly: an object with only
 * {@link BOOTSTRAP_REQUEST_FIELDS}; `mesh` and `name` valid resource names; `kind` `envoy` or
 * `grpc`; `token` a string when present; `dataplane` an object; `adminPort` a port, only for
 * envoy; `version` an object of `mycelDp`/`envoy` printable strings. Throws ValidationError listing
 * every violation (→ 400 with `invalidParameters`).
 */
export function parseBootstrapRequest(body: unknown): BootstrapRequest {
  const v = new Violations();
  const obj = v.object(body, '', BOOTSTRAP_REQUEST_FIELDS);
  if (!obj) throw invalid(v);
  const mesh = v.string(obj['mesh'], 'mesh');
  if (mesh !== undefined && nameProblem(mesh) !== undefined) v.add('mesh', nameProblem(mesh) as string);
  const name = v.string(obj['name'], 'name');
  if (name !== undefined && nameProblem(name) !== undefined) v.add('name', nameProblem(name) as string);
  const kind = v.oneOf(obj['kind'], 'kind', BOOTSTRAP_KINDS);
  const rawToken = obj['token'];
  let token = '';
  if (rawToken !== undefined && rawToken !== '') {
    if (typeof rawToken !== 'string') v.add('token', `must be a string, got ${describe(rawToken)}`);
    else if (rawToken.length > MAX_TOKEN_LENGTH) v.add('token', `must be at most ${MAX_TOKEN_LENGTH} characters, got ${rawToken.length}`);
    else token = rawToken;
  }
  // Only the envelope's kind is checked here; its fields are validated as a Dataplane resource once the token is.
  const rawDataplane = obj['dataplane'];
  let dataplane: JsonObject | undefined;
  if (isObject(rawDataplane)) dataplane = rawDataplane;
  else if (rawDataplane !== undefined) v.add('dataplane', `must be an object (a Dataplane resource), got ${describe(rawDataplane)}`);
  const adminPort = v.optionalInteger(obj['adminPort'], 'adminPort', MIN_PORT, MAX_PORT);
  if (adminPort !== undefined && kind === 'grpc') v.add('adminPort', "must be absent for kind 'grpc': a proxyless application has no Envoy admin API");
  const version = checkVersion(v, obj['version']);
  if (!v.empty || mesh === undefined || name === undefined || kind === undefined) throw invalid(v);
  return {
    mesh,
    name,
    token,
    kind,
    ...(dataplane === undefined ? {} : { dataplane }),
    ...(adminPort === undefined ? {} : { adminPort }),
    ...(version === undefined ? {} : { version }),
  };
}

function checkVersion(v: Violations, value: unknown): DataplaneVersions | undefined {
  const obj = v.optionalObject(value, 'version', ['mycelDp', 'envoy']);
  if (!obj) return undefined;
  const out: { mycelDp?: string; envoy?: string } = {};
  for (const key of ['mycelDp', 'envoy'] as const) {
    const path = childPath('version', key);
    const s = v.optionalString(obj[key], path);
    if (s === undefined) continue;
    if (s.length > MAX_VERSION_LENGTH) v.add(path, `must be at most ${MAX_VERSION_LENGTH} characters, got ${s.length}`);
    else if (!PRINTABLE.test(s)) v.add(path, 'must consist of printable ASCII characters without spaces');
    else out[key] = s;
  }
  return out;
}

function invalid(v: Violations): ValidationError {
  return new ValidationError(`invalid bootstrap request: ${v.all.map((x) => `${x.field}: ${x.reason}`).join('; ')}`, v.all);
}
