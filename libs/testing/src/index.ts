export { freePort } from './ports';
export type { RedisServer, RedisServerOptions, RespValue } from './redis-server';
export { startRedisServer, redisCommand, RedisReplyError } from './redis-server';
export type { NatsServer, NatsServerOptions } from './nats-server';
export { startNatsServer } from './nats-server';
export type { MultizoneNats, MultizoneNatsOptions } from './multizone-nats';
export { startMultizoneNats } from './multizone-nats';
export type { InvalidCase, ValidCase, ViolationLike } from './violations';
export { assertViolations, specTable, violationsOf } from './violations';
