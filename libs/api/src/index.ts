export type { ApiContext, ApiAuth, UserTokenRequest, Readiness, ZoneApiExtensions, DataplaneTokenRequest } from './context';
export { createApiApp } from './app';
export type { ListenOptions } from './api-server';
export { ApiServer } from './api-server';
export type { ProblemDocument } from './problem';
export { toProblem, PROBLEM_CONTENT_TYPE } from './problem';
export { LOCALHOST_ADMIN } from './authentication';
