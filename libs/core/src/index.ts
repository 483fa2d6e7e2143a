export type { ErrorCode } from './errors';
export {
  MycelError,
  NotFoundError,
  AlreadyExistsError,
  ConflictError,
  ValidationError,
  MalformedInputError,
  UnauthenticatedError,
  ForbiddenError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  MethodNotAllowedError,
  UnavailableError,
  isMycelError,
} from './errors';
export type { Violation, ValidationResult, JsonObject } from './validation';
export { Violations, isObject, childPath, indexPath, describe } from './validation';
export { nameProblem, labelKeyProblem, labelValueProblem, checkLabels, MAX_NAME_LENGTH } from './names';
export type { Resource, ResourceInput, ResourceKey, Protocol } from './resource';
export { Labels, PROTOCOLS, MESH_TYPE, formatKey, keyOf } from './resource';
export type { ResourceScope, KdsFlags, SpecContext, ResourceTypeDescriptor } from './descriptor';
export { NO_KDS } from './descriptor';
export { TypeRegistry, DuplicateTypeError } from './registry';
export type { EnvelopeExpectation } from './envelope';
export { parseResource, ENVELOPE_FIELDS, STORE_FIELDS } from './envelope';
export { canonicalJson, contentHash, jsonEqual } from './canonical';
export { parseDuration, durationProblem } from './duration';
