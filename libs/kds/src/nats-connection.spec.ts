import assert from 'node:assert/strict';
import { JetStreamApiError } from '@nats-io/jetstream';
import { PermissionViolationError, RequestError, TimeoutError } from '@nats-io/nats-core';
import { KdsPermissionError, KdsUnavailableError } from './kds-errors';
import { isStreamNotFound, toKdsError } from './nats-connection';

describe('toKdsError', () => {
  it('turns a permission violation anywhere in the cause chain into KdsPermissionError with the subject', () => {
    const violation = new PermissionViolationError('Permissions Violation for Publish to "$KV.mycel-global.x"', 'publish', '$KV.mycel-global.x');
    const err = toKdsError(new RequestError(violation.message, { cause: violation }));
    assert.ok(err instanceof KdsPermissionError);
    assert.equal(err.subject, '$KV.mycel-global.x');
    assert.equal(err.operation, 'publish');
    assert.equal(err.code, 'FORBIDDEN');
  });

  it('reads the subject from the server message when the client gives only text', () => {
    const err = toKdsError(new Error('Permissions Violation for Subscription to "_INBOX.other.>"'));
    assert.ok(err instanceof KdsPermissionError);
    assert.equal(err.operation, 'subscription');
    assert.equal(err.subject, '_INBOX.other.>');
  });

  it('maps timeouts and a missing stream to KdsUnavailableError and leaves other errors alone', () => {
    assert.ok(toKdsError(new TimeoutError()) instanceof KdsUnavailableError);
    const missing = new JetStreamApiError({ code: 404, err_code: 10059, description: 'stream not found' });
    assert.equal(isStreamNotFound(missing), true);
    assert.ok(toKdsError(missing) instanceof KdsUnavailableError);
    const bug = new TypeError('x is not a function');
    assert.equal(toKdsError(bug), bug);
  });
});
