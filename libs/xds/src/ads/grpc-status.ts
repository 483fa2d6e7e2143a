import { status } from '@grpc/grpc-js';
import { isMycelError } from '@mycel/core';
import type { ErrorCode } from '@mycel/core';

const BY_CODE: Readonly<Record<ErrorCode, status>> = {
  NOT_FOUND: status.NOT_FOUND,
  ALREADY_EXISTS: status.ALREADY_EXISTS,
  CONFLICT: status.ABORTED,
  INVALID: status.INVALID_ARGUMENT,
  MALFORMED: status.INVALID_ARGUMENT,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  FORBIDDEN: status.PERMISSION_DENIED,
  PAYLOAD_TOO_LARGE: status.RESOURCE_EXHAUSTED,
  UNSUPPORTED_MEDIA_TYPE: status.INVALID_ARGUMENT,
  METHOD_NOT_ALLOWED: status.UNIMPLEMENTED,
  UNAVAILABLE: status.UNAVAILABLE,
  INTERNAL: status.INTERNAL,
};

/** The gRPC status of an error: by `code` for Mycel errors, `fallback` for anything else. */
export function grpcStatusOf(err: unknown, fallback: status): status {
  return isMycelError(err) ? BY_CODE[err.code] : fallback;
}
