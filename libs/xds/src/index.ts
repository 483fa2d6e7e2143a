export type { XdsTypeUrl, EncodedAny, XdsResource, Snapshot } from './resource-types';
export { TypeUrl, PUSH_ORDER } from './resource-types';
