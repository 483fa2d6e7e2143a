import { ForbiddenError, MalformedInputError, UnavailableError } from '@mycel/core';

/**
 * NATS refused an operation because the connection's user lacks the subject permission (a put into
 * another zone's bucket, a watch of a bucket the user may not read). `subject` is the refused subject.
 */
export class KdsPermissionError extends ForbiddenError {
  readonly operation: 'publish' | 'subscription';
  readonly subject: string;

  constructor(message: string, operation: 'publish' | 'subscription', subject: string, options?: { cause?: unknown }) {
    super(message, options);
    this.operation = operation;
    this.subject = subject;
  }
}

/** NATS (or JetStream, or the bucket) is unreachable or not there yet; KDS retries by itself. */
export class KdsUnavailableError extends UnavailableError {}

/** A KV entry that does not decode: bad JSON, wrong shape, a key that does not match its resource, or a wrong hash. */
export class KdsEntryError extends MalformedInputError {
  readonly bucket: string;
  readonly key: string;

  constructor(message: string, bucket: string, key: string, options?: { cause?: unknown }) {
    super(message, [], options);
    this.bucket = bucket;
    this.key = key;
  }
}
