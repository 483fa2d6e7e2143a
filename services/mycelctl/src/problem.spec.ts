import assert from 'node:assert/strict';
import { parseProblem, problemInOneLine, renderProblem } from './problem';

describe('problem rendering', () => {
  const invalid = {
    type: '/problems/invalid',
    title: 'Invalid Resource',
    status: 400,
    detail: 'invalid Dataplane: spec.networking.inbound[0].port: must be between 1 and 65535, got 70000; name: is required',
    instance: '/meshes/demo/dataplanes/web-2',
    invalidParameters: [
      { field: 'spec.networking.inbound[0].port', reason: 'must be between 1 and 65535, got 70000' },
      { field: 'name', reason: 'is required' },
    ],
  };

  it('parses a problem document and ignores bodies that are not one', () => {
    assert.deepEqual(parseProblem(invalid), invalid);
    assert.equal(parseProblem({ items: [] }), undefined);
    assert.equal(parseProblem('text'), undefined);
    assert.equal(parseProblem(null), undefined);
    assert.deepEqual(parseProblem({ title: 'T', invalidParameters: [{ field: '', reason: 7 }, 'junk'] }), { title: 'T', invalidParameters: [{ field: '(request)', reason: 'invalid' }] });
  });

  it('puts each invalid field on its own line, in the order the server gave, without repeating the detail', () => {
    assert.deepEqual(renderProblem(400, 'Bad Request', parseProblem(invalid), ''), {
      summary: 'Invalid Resource (400)',
      fields: ['spec.networking.inbound[0].port: must be between 1 and 65535, got 70000', 'name: is required'],
    });
  });

  it('shows the detail when no field is named', () => {
    const notFound = { type: '/problems/not-found', title: 'Not Found', status: 404, detail: "mesh 'x' not found" };
    assert.deepEqual(renderProblem(404, 'Not Found', notFound, ''), { summary: "Not Found (404): mesh 'x' not found", fields: [] });
    assert.equal(problemInOneLine(404, 'Not Found', notFound, ''), "404 Not Found: mesh 'x' not found");
  });

  it('shows the first line of a body that is no problem document, shortened', () => {
    assert.deepEqual(renderProblem(502, 'Bad Gateway', undefined, '<html>upstream down</html>\nmore'), { summary: 'HTTP 502 Bad Gateway: <html>upstream down</html>', fields: [] });
    assert.equal(renderProblem(500, '', undefined, 'x'.repeat(300)).summary, `HTTP 500: ${'x'.repeat(200)}…`);
    assert.equal(renderProblem(503, 'Service Unavailable', undefined, '').summary, 'HTTP 503 Service Unavailable');
  });
});
