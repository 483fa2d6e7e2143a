export type { ControlPlaneConfig, ConfigSources } from './control-plane-config';
export { loadConfig, defaultConfig, durationMs, natsServers, natsPassword, SETTINGS, CP_MODES, STORE_TYPES } from './control-plane-config';
