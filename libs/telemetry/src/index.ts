export type { MetricsOptions } from './metrics';
export { Metrics } from './metrics';
export type { Logger, LogLevel, LogFields, LoggerOptions } from './logger';
export { createLogger, silentLogger, LOG_LEVELS } from './logger';
export type { RuntimeMetrics, RuntimeMetricsOptions } from './runtime-metrics';
export { EVENT_LOOP_DELAY_STATS, startRuntimeMetrics } from './runtime-metrics';
