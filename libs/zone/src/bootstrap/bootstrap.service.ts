import { AlreadyExistsError, ConflictError, DataplaneType, Labels, NotFoundError, ValidationError, jsonEqual, parseResource } from '@mycel/core';
import type { DataplaneSpec, JsonObject, Resource, ResourceInput, TypeRegistry, Violation } from '@mycel/core';
import type { ResourceStore } from '@mycel/store';
import { DEFAULT_ADMIN_PORT } from '@mycel/xds';
import type { ProxyKind } from '@mycel/xds';
import { DataplaneTokenForbiddenError, authorizeDataplane } from '../dataplane-tokens';
import type { DataplaneTokenIdentity, DataplaneTokenValidator } from '../dataplane-tokens';
import { parseBootstrapRequest } from './bootstrap-request';
import type { BootstrapRequest } from './bootstrap-request';
import { envoyBootstrap } from './envoy-bootstrap';
import { grpcBootstrap } from './grpc-bootstrap';

/** Options of {@link BootstrapService}. */
export interface BootstrapOptions {
  readonly store: ResourceStore;
  /** Registry holding the Dataplane type; self-registered dataplanes are validated with it. */
  readonly registry: TypeRegistry;
  /** Checks dataplane tokens (their tag binding is checked against the dataplane with `authorizeDataplane`). */
  readonly tokens: Pick<DataplaneTokenValidator, 'authenticate'>;
  /** Address dataplanes reach this control plane's dataplane port at (IP address or DNS name). */
  readonly advertisedAddress: string;
  /**
   * The dataplane port (gRPC ADS and HTTP bootstrap), usually 5678; a function is asked on every
   * bootstrap, so the handler can be made before the server has bound port 0 (`() => dpServer.port`).
   */
  readonly advertisedPort: number | (() => number);
  /** This zone's name; the node locality of every bootstrap. */
  readonly zone: string;
}

/** What happened to the Dataplane resource during a bootstrap. */
export type Registration = 'created' | 'updated' | 'unchanged' | 'existing';

/** Outcome of a bootstrap. */
export interface BootstrapResult {
  readonly kind: ProxyKind;
  /** The Envoy v3 bootstrap or the gRPC xDS bootstrap, as JSON. */
  readonly bootstrap: JsonObject;
  readonly dataplane: Resource<DataplaneSpec>;
  /** `existing` when no dataplane was sent; otherwise what registering it did. */
  readonly registration: Registration;
  readonly identity: DataplaneTokenIdentity;
}

/** Attempts at registering a dataplane while other writers change it. */
const MAX_REGISTER_ATTEMPTS = 5;

/**
 * Admits a dataplane and hands out its bootstrap (`POST /bootstrap`). In order: the request's shape
 * (ValidationError); the token — signature, expiry, revocation, mesh and name (TokenRejectedError,
 * DataplaneTokenForbiddenError) — before anything is looked up or stored; then either the sent
 * Dataplane envelope is validated (ValidationError, fields under `dataplane.`) and registered (created,
 * or updated like `kuma-dp run --dataplane`), or the stored Dataplane is used (NotFoundError when
 * there is none); the token's tags must match that dataplane, and on an update the one it replaces
 * too, so a token cannot take over another service's dataplane. Rejections store nothing.
 */
export class BootstrapService {
  constructor(private readonly options: BootstrapOptions) {}

  /** Runs the admission for an untrusted request body; see the class comment for the errors. */
  async bootstrap(body: unknown): Promise<BootstrapResult> {
    const request = parseBootstrapRequest(body);
    const { mesh, name } = request;
    const identity = await this.options.tokens.authenticate(request.token, { mesh, name });
    let dataplane: Resource<DataplaneSpec>;
    let registration: Registration;
    if (request.dataplane !== undefined) {
      const input = this.parseDataplane(request);
      authorizeDataplane(identity, input.spec);
      checkRequestAgainst(request, input.spec);
      ({ dataplane, registration } = await this.register(input, identity));
    } else {
      const found = await this.options.store.find({ type: DataplaneType.name, mesh, name });
      if (found === undefined) {
        throw new NotFoundError(`dataplane ${mesh}/${name} does not exist: create it first, or send it as 'dataplane' to register it`);
      }
      dataplane = found as Resource<DataplaneSpec>;
      registration = 'existing';
      authorizeDataplane(identity, dataplane.spec);
      checkRequestAgainst(request, dataplane.spec);
    }
    return { kind: request.kind, bootstrap: this.build(request, dataplane.spec), dataplane, registration, identity };
  }

  private parseDataplane(request: BootstrapRequest): ResourceInput<DataplaneSpec> {
    const parsed = parseResource(this.options.registry, request.dataplane, { type: DataplaneType.name, mesh: request.mesh, name: request.name });
    if (!parsed.ok) throw invalid('invalid dataplane', parsed.violations.map((x) => ({ field: x.field === '' || x.field === '(root)' ? 'dataplane' : `dataplane.${x.field}`, reason: x.reason })));
    return parsed.value as ResourceInput<DataplaneSpec>;
  }

  private async register(input: ResourceInput<DataplaneSpec>, identity: DataplaneTokenIdentity): Promise<{ dataplane: Resource<DataplaneSpec>; registration: Registration }> {
    const { store } = this.options;
    const key = { type: DataplaneType.name, mesh: input.mesh as string, name: input.name };
    for (let attempt = 1; ; attempt++) {
      const existing = (await store.find(key)) as Resource<DataplaneSpec> | undefined;
      try {
        if (existing === undefined) return { dataplane: (await store.create(input)) as Resource<DataplaneSpec>, registration: 'created' };
        try {
          authorizeDataplane(identity, existing.spec);
        } catch (err) {
          if (!(err instanceof DataplaneTokenForbiddenError)) throw err;
          throw new DataplaneTokenForbiddenError('tags-mismatch', `dataplane ${key.mesh}/${key.name} already exists, and this token may not replace it: ${err.message}`, { cause: err });
        }
        if (jsonEqual(existing.spec, input.spec) && jsonEqual(existing.labels, input.labels)) return { dataplane: existing, registration: 'unchanged' };
        const updated = await store.update(input, { expectedVersion: existing.version });
        return { dataplane: updated as Resource<DataplaneSpec>, registration: 'updated' };
      } catch (err) {
        // Another writer got in between our read and our write: read again and decide again.
        if (!(err instanceof ConflictError || err instanceof AlreadyExistsError) || attempt >= MAX_REGISTER_ATTEMPTS) throw err;
      }
    }
  }

  private build(request: BootstrapRequest, spec: DataplaneSpec): JsonObject {
    const { advertisedAddress, advertisedPort, zone } = this.options;
    const common = {
      mesh: request.mesh,
      name: request.name,
      token: request.token,
      zone,
      service: serviceOf(spec) ?? request.name,
      xdsAddress: advertisedAddress,
      xdsPort: typeof advertisedPort === 'function' ? advertisedPort() : advertisedPort,
      ...(request.version === undefined ? {} : { versions: request.version }),
    };
    if (request.kind === 'grpc') return grpcBootstrap(common);
    return envoyBootstrap({ ...common, adminPort: request.adminPort ?? spec.networking.admin?.port ?? DEFAULT_ADMIN_PORT });
  }
}

/** Request fields that must agree with the dataplane they bootstrap. */
function checkRequestAgainst(request: BootstrapRequest, spec: DataplaneSpec): void {
  const violations: Violation[] = [];
  const specAdmin = spec.networking.admin?.port;
  if (request.adminPort !== undefined && specAdmin !== undefined && request.adminPort !== specAdmin) {
    // The admin listener the control plane generates forwards to networking.admin.port.
    violations.push({ field: 'adminPort', reason: `must equal the dataplane's networking.admin.port (${specAdmin}), got ${request.adminPort}` });
  }
  if (request.kind === 'grpc' && spec.networking.gateway !== undefined) {
    violations.push({ field: 'kind', reason: "must be 'envoy' for a gateway dataplane: a proxyless gRPC application cannot be a gateway" });
  }
  if (violations.length > 0) throw invalid('invalid bootstrap request', violations);
}

/** The service of the first inbound (or of the gateway); Envoy's `node.cluster`. */
function serviceOf(spec: DataplaneSpec): string | undefined {
  const networking = spec.networking;
  return networking.gateway?.tags[Labels.service] ?? networking.inbound?.[0]?.tags[Labels.service];
}

function invalid(what: string, violations: readonly Violation[]): ValidationError {
  return new ValidationError(`${what}: ${violations.map((x) => `${x.field}: ${x.reason}`).join('; ')}`, violations);
}
