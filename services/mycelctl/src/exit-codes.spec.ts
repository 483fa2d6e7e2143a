import assert from 'node:assert/strict';
import { CommanderError } from 'commander';
import { responseError } from './api-client';
import type { ApiResponse } from './api-client';
import { ConnectionError, ContextError, UnsupportedError, UsageError } from './errors';
import { EXIT_INTERNAL, EXIT_OK, EXIT_REJECTED, EXIT_UNAVAILABLE, EXIT_USAGE, exitCodeOf, formatError } from './exit-codes';

function answer(status: number, statusText: string, json: unknown): ApiResponse {
  return { status, statusText, headers: {}, text: JSON.stringify(json), json };
}

describe('exit codes and error messages', () => {
  const invalid = responseError(
    { method: 'PUT', path: '/meshes/demo/dataplanes/web-2' },
    answer(400, 'Bad Request', {
      type: '/problems/invalid',
      title: 'Invalid Resource',
      status: 400,
      detail: 'invalid Dataplane: …',
      invalidParameters: [{ field: 'spec.networking.inbound[0].port', reason: 'must be between 1 and 65535, got 70000' }],
    }),
  );
  const unavailable = responseError({ method: 'GET', path: '/meshes' }, answer(503, 'Service Unavailable', { title: 'Service Unavailable', status: 503, detail: 'the store is unreachable; retry' }));
  const notAllowed = responseError({ method: 'POST', path: '/tokens/zone' }, answer(405, 'Method Not Allowed', { title: 'Method Not Allowed', status: 405, detail: 'POST is not allowed on /tokens/zone' }));

  it('maps usage errors to 2, rejections to 3, connection failures and 5xx to 4, anything else to 1', () => {
    assert.equal(exitCodeOf(new UsageError('x')), EXIT_USAGE);
    assert.equal(exitCodeOf(invalid), EXIT_REJECTED);
    assert.equal(exitCodeOf(new UnsupportedError('zone tokens', notAllowed)), EXIT_REJECTED);
    assert.equal(exitCodeOf(new ConnectionError('refused')), EXIT_UNAVAILABLE);
    assert.equal(exitCodeOf(unavailable), EXIT_UNAVAILABLE);
    assert.equal(exitCodeOf(new TypeError('bug')), EXIT_INTERNAL);
    assert.deepEqual([EXIT_OK, EXIT_INTERNAL, EXIT_USAGE, EXIT_REJECTED, EXIT_UNAVAILABLE], [0, 1, 2, 3, 4]);
  });

  it('keeps the code of an error wrapped with context', () => {
    assert.equal(exitCodeOf(new ContextError('applying mesh/x', new ContextError('inner', invalid))), EXIT_REJECTED);
  });

  it('maps commander errors: help and version exit 0, everything else is a usage error', () => {
    assert.equal(exitCodeOf(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)')), EXIT_OK);
    assert.equal(exitCodeOf(new CommanderError(1, 'commander.unknownOption', "error: unknown option '--x'")), EXIT_USAGE);
  });

  it('renders a rejected resource with its context and one line per field', () => {
    assert.equal(
      formatError(new ContextError('applying dataplane demo/web-2 (from dp.yaml, document 2)', invalid)),
      'Error: applying dataplane demo/web-2 (from dp.yaml, document 2): Invalid Resource (400)\n  spec.networking.inbound[0].port: must be between 1 and 65535, got 70000\n',
    );
  });

  it('renders 5xx, unsupported features, usage and connection errors on one line', () => {
    assert.equal(formatError(unavailable), 'Error: Service Unavailable (503): the store is unreachable; retry\n');
    assert.equal(
      formatError(new UnsupportedError('zone tokens', notAllowed)),
      'Error: the control plane does not support zone tokens yet (405 Method Not Allowed: POST is not allowed on /tokens/zone)\n',
    );
    assert.equal(formatError(new UnsupportedError('dry runs', undefined, 'no header')), 'Error: the control plane does not support dry runs yet: no header\n');
    assert.equal(formatError(new UsageError('--size must be an integer')), 'Error: --size must be an integer\n');
    assert.equal(formatError(new ConnectionError('cannot reach control plane "x"')), 'Error: cannot reach control plane "x"\n');
  });

  it('adds a hint to 401s and calls unexpected errors bugs (with the stack when verbose)', () => {
    const unauthenticated = responseError({ method: 'GET', path: '/meshes' }, answer(401, 'Unauthorized', { title: 'Unauthorized', status: 401, detail: 'token expired' }));
    assert.match(formatError(unauthenticated), /^Error: Unauthorized \(401\): token expired\nhint: .*config control-planes add/);
    assert.match(formatError(new TypeError('boom')), /^Error: internal error: boom \(this is a bug in mycelctl/);
    assert.match(formatError(new TypeError('boom'), true), /\nTypeError: boom\n\s+at /);
  });
});
