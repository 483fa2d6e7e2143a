import { request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ApiFailureError, ApiRejectedError, ConnectionError, UsageError } from './errors';
import type { RequestSummary } from './errors';
import { parseProblem } from './problem';
import { MYCELCTL_VERSION } from './version';

/** How to reach one control plane. */
export interface ApiClientOptions {
  /** Base URL such as `http://localhost:5681` or `https://cp.example.com/mycel` (a path prefix is kept). */
  readonly address: string;
  /** The control plane's name in the config file, for messages. */
  readonly controlPlane: string;
  /** The bearer token; called once per request so a rotated token file is picked up. Undefined: none. */
  readonly token?: () => string | undefined;
  /** PEM CA certificate(s) that must have signed an https server's certificate; the system CAs otherwise. */
  readonly ca?: string;
  /** Accept any https server certificate (development only). */
  readonly skipVerify?: boolean;
  /** Milliseconds without a byte of answer after which a request fails. */
  readonly timeoutMs: number;
  /** Receives one line per request and response (`--verbose`); never the token. */
  readonly trace?: (line: string) => void;
}

/** Query parameters; arrays repeat the key, undefined values are left out. */
export type Query = Readonly<Record<string, string | readonly string[] | undefined>>;

/** What a request sends besides method and path. */
export interface RequestOptions {
  readonly query?: Query;
  /** Sent as JSON. */
  readonly body?: unknown;
}

/** An answer with its body read; `json` is the parsed body when the media type is JSON. */
export interface ApiResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  readonly json: unknown;
}

/**
 * A small client of the control plane's REST API over node:http/node:https (so that a CA file or
 * `--skip-verify` can apply, which the global fetch cannot do without extra dependencies). Every
 * request has its own connection; nothing is left open when a command ends.
 */
export class ApiClient {
  private readonly base: URL;

  constructor(private readonly options: ApiClientOptions) {
    let base: URL;
    try {
      base = new URL(options.address);
    } catch (err) {
      throw new UsageError(`control plane "${options.controlPlane}" has an invalid address '${options.address}'`, { cause: err });
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new UsageError(`control plane "${options.controlPlane}" has address '${options.address}'; it must start with http:// or https://`);
    }
    this.base = base;
  }

  /** Sends a request and returns any answer, whatever its status. ConnectionError when there is none. */
  async send(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const url = this.url(path, options.query);
    const headers: OutgoingHttpHeaders = { accept: 'application/json', 'user-agent': `mycelctl/${MYCELCTL_VERSION}` };
    const token = this.options.token?.();
    if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
    let payload: Buffer | undefined;
    if (options.body !== undefined) {
      payload = Buffer.from(JSON.stringify(options.body), 'utf8');
      headers['content-type'] = 'application/json';
      headers['content-length'] = payload.length;
    }
    const trace = this.options.trace;
    if (trace) {
      trace(`> ${method} ${url.href}${payload ? ` (JSON, ${payload.length} bytes)` : ''}`);
      if (token !== undefined) trace('> Authorization: Bearer (redacted)');
    }
    const started = Date.now();
    const res = await this.exchange(method, url, headers, payload);
    if (trace) {
      const outcome = res.headers['x-mycel-outcome'];
      trace(`< ${res.status} ${res.statusText} (${Date.now() - started} ms${typeof outcome === 'string' ? `, X-Mycel-Outcome: ${outcome}` : ''})`);
    }
    return res;
  }

  /** Sends a request; 4xx → ApiRejectedError, 5xx → ApiFailureError, each with the problem document. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const res = await this.send(method, path, options);
    if (res.status >= 400) throw responseError({ method, path: pathWithQuery(path, options.query) }, res);
    return res;
  }

  /** GET answering 200 with JSON; returns the body. */
  async get<T>(path: string, query?: Query): Promise<T> {
    return (await this.request('GET', path, query === undefined ? {} : { query })).json as T;
  }

  private url(path: string, query: Query | undefined): URL {
    const url = new URL(this.base.href);
    url.pathname = `${this.base.pathname.replace(/\/+$/, '')}${path}`;
    url.search = searchOf(query);
    return url;
  }

  private exchange(method: string, url: URL, headers: OutgoingHttpHeaders, payload: Buffer | undefined): Promise<ApiResponse> {
    const https = url.protocol === 'https:';
    const send = https ? httpsRequest : httpRequest;
    return new Promise<ApiResponse>((resolve, reject) => {
      const req = send(url, {
        method,
        headers,
        agent: false,
        ...(https ? { rejectUnauthorized: !this.options.skipVerify, ...(this.options.ca !== undefined ? { ca: this.options.ca } : {}) } : {}),
      });
      req.setTimeout(this.options.timeoutMs, () => {
        req.destroy(Object.assign(new Error(`no answer within ${formatMs(this.options.timeoutMs)}`), { code: 'MYCEL_TIMEOUT' }));
      });
      req.on('error', (err) => reject(this.connectionError(url, err)));
      req.on('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => reject(this.connectionError(url, err)));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          let json: unknown;
          if (text !== '' && /json/i.test(res.headers['content-type'] ?? '')) {
            try {
              json = JSON.parse(text);
            } catch (err) {
              reject(new ApiFailureError(`the control plane sent invalid JSON: ${(err as Error).message}`, { method, path: url.pathname }, status, res.statusMessage ?? '', undefined, text.slice(0, 500)));
              return;
            }
          }
          resolve({ status, statusText: res.statusMessage ?? '', headers: res.headers, text, json });
        });
      });
      req.end(payload);
    });
  }

  private connectionError(url: URL, err: Error): ConnectionError {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const where = `control plane "${this.options.controlPlane}" at ${this.options.address}`;
    let reason: string;
    let hint = '; is it running? `mycelctl config control-planes list` shows the configured address';
    if (code === 'ECONNREFUSED') reason = 'connection refused';
    else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') reason = `unknown host '${url.hostname}'`;
    else if (code === 'MYCEL_TIMEOUT') reason = err.message;
    else if (code === 'ECONNRESET') reason = 'the connection was reset';
    else if (/CERT|SSL|TLS|SIGNATURE|ALTNAME/i.test(code) || /certificate/i.test(err.message)) {
      reason = `TLS: ${err.message}`;
      hint = '; add the control plane with --ca-cert-file <its CA certificate>, or --skip-verify for development';
    } else reason = err.message;
    return new ConnectionError(`cannot reach ${where}: ${reason}${code && code !== 'MYCEL_TIMEOUT' ? ` (${code})` : ''}${hint}`, { cause: err });
  }
}

/** The error for a 4xx or 5xx answer. */
export function responseError(request: RequestSummary, res: ApiResponse): ApiRejectedError | ApiFailureError {
  const problem = parseProblem(res.json);
  const body = problem === undefined ? res.text.slice(0, 500) : '';
  const message = `${request.method} ${request.path}: ${res.status} ${problem?.detail ?? res.statusText}`;
  const ErrorClass = res.status >= 500 ? ApiFailureError : ApiRejectedError;
  return new ErrorClass(message, request, res.status, res.statusText, problem, body);
}

function searchOf(query: Query | undefined): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined) continue;
    if (typeof v === 'string') q.append(k, v);
    else for (const x of v) q.append(k, x);
  }
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

function pathWithQuery(path: string, query: Query | undefined): string {
  return `${path}${searchOf(query)}`;
}

function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
