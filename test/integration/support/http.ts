import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';

/** Media type of every error response. */
export const PROBLEM_JSON = 'application/problem+json';
/** A request still unanswered after this long fails (a hang must fail a test, not stall it until mocha's timeout). */
export const REQUEST_TIMEOUT_MS = 20_000;

/** A response with its body read: `json` is the parsed body when it is JSON, else undefined. */
export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: unknown;
}

/** What {@link ApiClient.request} sends. At most one of `json`, `yaml` and `body`. */
export interface RequestOptions {
  /** Serialised with JSON.stringify and sent as application/json (unless `headers` sets Content-Type). */
  readonly json?: unknown;
  /** Sent verbatim as application/yaml. */
  readonly yaml?: string;
  /** Sent verbatim; set Content-Type in `headers` yourself. */
  readonly body?: string | Uint8Array;
  readonly headers?: Record<string, string>;
  /** Overrides the client's token for this request; `null` sends no Authorization header. */
  readonly token?: string | null;
}

/** An RFC 7807 problem document as the API sends it. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  invalidParameters?: Array<{ field: string; reason: string }>;
}

/** One page of a listing. */
export interface Page<T = Resource> {
  items: T[];
  total: number;
  next: string | null;
}

/** A resource as the API returns it. */
export interface Resource {
  type: string;
  mesh?: string;
  name: string;
  labels: Record<string, string>;
  spec: Record<string, unknown>;
  creationTime: string;
  modificationTime: string;
  version: string;
}

/** A thin client of the REST API over the global fetch: every call returns status, headers and body. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string | null,
  ) {}

  /** The same client with another token (`null`: none). */
  as(token: string | null): ApiClient {
    return new ApiClient(this.baseUrl, token);
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const headers: Record<string, string> = {};
    let body: string | Uint8Array | undefined;
    if (options.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(options.json);
    } else if (options.yaml !== undefined) {
      headers['content-type'] = 'application/yaml';
      body = options.yaml;
    } else if (options.body !== undefined) {
      body = options.body;
    }
    const token = options.token === undefined ? this.token : options.token;
    if (token !== null) headers['authorization'] = `Bearer ${token}`;
    for (const [k, v] of Object.entries(options.headers ?? {})) headers[k.toLowerCase()] = v;
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      ...(body !== undefined ? { body } : {}),
    });
    const text = await res.text();
    let json: unknown;
    if (text !== '' && /json/.test(res.headers.get('content-type') ?? '')) json = JSON.parse(text);
    return { status: res.status, headers: res.headers, text, json };
  }

  get(path: string, options?: RequestOptions): Promise<ApiResponse> {
    return this.request('GET', path, options);
  }

  put(path: string, json: unknown, options: RequestOptions = {}): Promise<ApiResponse> {
    return this.request('PUT', path, { ...options, json });
  }

  delete(path: string, options?: RequestOptions): Promise<ApiResponse> {
    return this.request('DELETE', path, options);
  }

  post(path: string, json: unknown, options: RequestOptions = {}): Promise<ApiResponse> {
    return this.request('POST', path, { ...options, json });
  }

  /** GET that must answer 200 with JSON; returns the body. */
  async getJson<T>(path: string): Promise<T> {
    const res = await this.get(path);
    assert.equal(res.status, 200, `GET ${path}: ${res.text}`);
    return res.json as T;
  }
}

/** Asserts a 2xx-or-other status with the response body in the message. */
export function expectStatus(res: ApiResponse, status: number, what = ''): void {
  const body = res.text.length > 600 ? `${res.text.slice(0, 600)}… (${res.text.length} characters)` : res.text;
  assert.equal(res.status, status, `${what ? what + ': ' : ''}expected ${status}, got ${res.status}: ${body}`);
}

/**
 * Asserts an RFC 7807 problem: the status, `Content-Type: application/problem+json`, a body whose
 * `status` matches, and — when `fields` is given — exactly these `invalidParameters` field paths
 * (in any order, duplicates collapsed). Returns the problem.
 */
export function expectProblem(res: ApiResponse, status: number, fields?: readonly string[]): Problem {
  expectStatus(res, status);
  assertProblemShape(res);
  const problem = res.json as Problem;
  if (fields !== undefined) {
    const got = [...new Set((problem.invalidParameters ?? []).map((p) => p.field))].sort();
    assert.deepEqual(got, [...new Set(fields)].sort(), `invalidParameters of ${res.text}`);
  }
  return problem;
}

/** Asserts that a response is a well-formed problem document (any status). */
export function assertProblemShape(res: ApiResponse): void {
  const contentType = res.headers.get('content-type') ?? '';
  assert.equal(contentType.split(';')[0], PROBLEM_JSON, `Content-Type of a ${res.status}: '${contentType}', body ${res.text}`);
  const problem = res.json as Partial<Problem> | undefined;
  assert.ok(problem && typeof problem === 'object', `problem body: ${res.text}`);
  assert.equal(problem.status, res.status, `problem status: ${res.text}`);
  assert.equal(typeof problem.type, 'string');
  assert.equal(typeof problem.title, 'string');
  assert.equal(typeof problem.detail, 'string');
  if (problem.invalidParameters !== undefined) {
    assert.ok(Array.isArray(problem.invalidParameters), `invalidParameters: ${res.text}`);
    for (const p of problem.invalidParameters) {
      assert.equal(typeof p.field, 'string');
      assert.equal(typeof p.reason, 'string');
    }
  }
}

/** What {@link rawRequest} sends: the head as given, then each chunk (chunked when no Content-Length). */
export interface RawRequest {
  readonly port: number;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly chunks: readonly (string | Buffer)[];
}

/**
 * One request over node:http, for what fetch cannot express precisely (chunked uploads, an exact
 * Content-Length). The response is read even when the server closes the connection while the body
 * is still being sent (as it does on 413).
 */
export function rawRequest(options: RawRequest): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: '127.0.0.1',
      port: options.port,
      method: options.method,
      path: options.path,
      headers: options.headers,
      agent: false,
    });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) {
          if (typeof v === 'string') headers.set(k, v);
          else if (Array.isArray(v)) for (const x of v) headers.append(k, x);
        }
        let json: unknown;
        if (text !== '' && /json/.test(headers.get('content-type') ?? '')) json = JSON.parse(text);
        resolve({ status: res.statusCode ?? 0, headers, text, json });
      });
    });
    req.on('error', (err) => {
      // A reset after the response arrived is the server closing an oversized upload: not a failure.
      if (!answered) reject(err);
    });
    for (const chunk of options.chunks) req.write(chunk);
    req.end();
  });
}
