import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@mycel/config';
import type { ControlPlaneConfig } from '@mycel/config';
import { startControlPlane } from '@mycel/runtime';
import type { ControlPlane, ControlPlaneOptions } from '@mycel/runtime';
import { silentLogger } from '@mycel/telemetry';

/** Options of {@link startTestControlPlane}; each maps to one config setting. */
export interface TestControlPlaneOptions {
  /** `apiServer.maxBodyBytes`; 65536 by default (small, so 413 is cheap to provoke). */
  readonly maxBodyBytes?: number;
  /** `apiServer.localhostIsAdmin`; off by default. */
  readonly localhostIsAdmin?: boolean;
  /**
   * `mode`; standalone by default. `zone` and `global` run without KDS (no NATS): what changes is
   * the API's multi-zone ownership rules (and, in zone mode, no default mesh and no admin token).
   */
  readonly mode?: 'standalone' | 'zone' | 'global';
  /** Adds resource types (e.g. `registerPolicyTypes`); core types only by default. */
  readonly registerTypes?: ControlPlaneOptions['registerTypes'];
}

/** A control plane running in this process with a memory store, its API on a free loopback port. */
export interface TestControlPlane {
  readonly controlPlane: ControlPlane;
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  readonly baseUrl: string;
  readonly port: number;
  /** The admin token the control plane wrote to its admin token file. */
  readonly adminToken: string;
  readonly config: ControlPlaneConfig;
  /** Stops the control plane and removes its temporary directory. */
  stop(): Promise<void>;
}

/** Default `apiServer.maxBodyBytes` of test control planes. */
export const TEST_MAX_BODY_BYTES = 65536;

/**
 * Starts a whole control plane (store, signing key, admin token file, default mesh, API) the way
 * the zone-cp service does, from config built by `loadConfig`, and reads its admin token file.
 */
export async function startTestControlPlane(options: TestControlPlaneOptions = {}): Promise<TestControlPlane> {
  const dir = await mkdtemp(join(tmpdir(), 'mycel-api-test-'));
  const adminTokenFile = join(dir, 'admin-token');
  const loaded = loadConfig({
    flags: {
      'apiServer.address': '127.0.0.1',
      'apiServer.maxBodyBytes': options.maxBodyBytes ?? TEST_MAX_BODY_BYTES,
      'apiServer.localhostIsAdmin': options.localhostIsAdmin ?? false,
      'store.type': 'memory',
      'auth.adminTokenFile': adminTokenFile,
    },
  });
  // The config validator accepts ports 1..65535 only; port 0 (any free port) is set here so that
  // parallel test runs never race for a port picked in advance.
  const config: ControlPlaneConfig = { ...loaded, mode: options.mode ?? 'standalone', apiServer: { ...loaded.apiServer, port: 0 } };
  let controlPlane: ControlPlane;
  try {
    controlPlane = await startControlPlane({ config, logger: silentLogger, serviceName: options.mode === 'global' ? 'global-cp' : 'zone-cp',
      ...(options.registerTypes !== undefined ? { registerTypes: options.registerTypes } : {}),
    });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  // A zone writes no admin token (tokens come from global): such tests use localhostIsAdmin.
  const adminToken = config.mode === 'zone' ? '' : (await readFile(adminTokenFile, 'utf8')).trim();
  const port = controlPlane.apiPort;
  return {
    controlPlane,
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    adminToken,
    config,
    stop: async () => {
      await controlPlane.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
