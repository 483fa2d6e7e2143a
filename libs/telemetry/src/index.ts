export type { MetricsOptions } from './metrics';
export { Metrics } from './metrics';
export type { Logger, LogLevel, LogFields, LoggerOptions } from './logger';
export { createLogger, silentLogger, LOG_LEVELS } from './logger';
