export type { ControlPlaneConfig, ConfigSources } from './control-plane-config';
export { loadConfig, defaultConfig, durationMs, natsServers, natsPassword, SETTINGS, CP_MODES, STORE_TYPES } from './control-plane-config';
export type { CliFlag, CpService } from './cli-flags';
export { CLI_FLAGS, cliFlagsFor, loadServiceConfig } from './cli-flags';
