import { join } from 'node:path';
import { grpcClient1, policy, web1 } from '../test-support/fixtures.test-helper';
import { goldenSpecs } from '../test-support/golden.test-helper';

// tsc does not copy .yaml files to dist: goldens live in the source folder (dist/mesh-http-route → src/mesh-http-route/testdata).
const TESTDATA = join(__dirname, '..', '..', 'src', 'mesh-http-route', 'testdata');

const v1 = { version: 'v1' };
const v2 = { version: 'v2' };

/** A Mesh-wide global route for /api: a request header, and every backend version. */
const meshDefaults = policy(
  'MeshHTTPRoute',
  'backend-defaults',
  {
    targetRef: { kind: 'Mesh' },
    to: [
      {
        targetRef: { kind: 'MeshService', name: 'backend' },
        rules: [
          {
            matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
            default: {
              filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-route', value: 'api' }] } }],
              backendRefs: [{ kind: 'MeshService', name: 'backend', weight: 1 }],
            },
          },
        ],
      },
    ],
  },
  { 'mycel.io/origin': 'global' },
);

/** The canary of web: a header sends to v2, /api splits 90/10, legacy paths go to another service. */
const canary = policy('MeshHTTPRoute', 'backend-canary', {
  targetRef: { kind: 'MeshService', name: 'web' },
  to: [
    {
      targetRef: { kind: 'MeshService', name: 'backend' },
      rules: [
        { matches: [{ headers: [{ name: 'x-canary', value: 'true' }] }], default: { backendRefs: [{ kind: 'MeshServiceSubset', name: 'backend', tags: v2 }] } },
        {
          matches: [{ path: { type: 'PathPrefix', value: '/api' } }],
          default: {
            backendRefs: [
              { kind: 'MeshServiceSubset', name: 'backend', tags: v1, weight: 90 },
              { kind: 'MeshServiceSubset', name: 'backend', tags: v2, weight: 10 },
              { kind: 'MeshService', name: 'backend', weight: 0 },
            ],
          },
        },
        {
          matches: [
            { path: { type: 'Exact', value: '/legacy' }, method: 'GET' },
            { path: { type: 'RegularExpression', value: '^/v[0-9]+/legacy$' }, queryParams: [{ type: 'Exact', name: 'mode', value: 'old' }] },
          ],
          default: { backendRefs: [{ kind: 'MeshService', name: 'backend-next' }] },
        },
      ],
    },
  ],
});

/** Every filter and header match type. */
const filters = policy('MeshHTTPRoute', 'backend-filters', {
  targetRef: { kind: 'Dataplane', name: 'web-1' },
  to: [
    {
      targetRef: { kind: 'MeshService', name: 'backend' },
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/old/' } }],
          default: { filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', hostname: 'backend.example.com', port: 8443, path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/new' } } }] },
        },
        { matches: [{ path: { type: 'Exact', value: '/moved' } }], default: { filters: [{ type: 'RequestRedirect', requestRedirect: { path: { type: 'ReplaceFullPath', replaceFullPath: '/here' }, statusCode: 301 } }] } },
        {
          matches: [{ path: { type: 'PathPrefix', value: '/v1' } }],
          default: {
            filters: [
              { type: 'URLRewrite', urlRewrite: { hostname: 'backend.internal', path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } },
              { type: 'RequestMirror', requestMirror: { backendRef: { kind: 'MeshService', name: 'backend-next' }, percentage: 25 } },
              { type: 'RequestMirror', requestMirror: { backendRef: { kind: 'MeshServiceSubset', name: 'backend', tags: v2 }, percentage: '12.5' } },
            ],
          },
        },
        {
          matches: [
            {
              headers: [
                { type: 'Present', name: 'x-debug' },
                { type: 'Absent', name: 'x-internal' },
                { type: 'RegularExpression', name: 'user-agent', value: '(?i).*curl.*' },
                { type: 'Prefix', name: 'x-tenant', value: 'acme-' },
              ],
            },
          ],
          default: {
            filters: [
              { type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-a', value: '1' }], add: [{ name: 'x-b', value: '2' }], remove: ['x-c'] } },
              { type: 'ResponseHeaderModifier', responseHeaderModifier: { add: [{ name: 'x-served-by', value: 'mycel' }], remove: ['server'] } },
              { type: 'URLRewrite', urlRewrite: { path: { type: 'ReplaceFullPath', replaceFullPath: '/debug' } } },
            ],
          },
        },
      ],
    },
  ],
});

/** A proxyless client's canary of echo: a header pins v2, the rest splits 90/10; rules gRPC cannot honour are dropped. */
const grpcCanary = policy('MeshHTTPRoute', 'echo-canary', {
  targetRef: { kind: 'Dataplane', labels: { team: 'web' } },
  to: [
    {
      targetRef: { kind: 'MeshService', name: 'echo' },
      rules: [
        { matches: [{ headers: [{ name: 'x-canary', value: 'true' }] }], default: { backendRefs: [{ kind: 'MeshServiceSubset', name: 'echo', tags: v2 }] } },
        {
          matches: [{ path: { type: 'PathPrefix', value: '/' } }],
          default: {
            backendRefs: [
              { kind: 'MeshServiceSubset', name: 'echo', tags: v1, weight: 90 },
              { kind: 'MeshServiceSubset', name: 'echo', tags: v2, weight: 10 },
            ],
          },
        },
        { matches: [{ path: { type: 'RegularExpression', value: '/echo\\.Echo/Stream.*' }, method: 'POST' }], default: { filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-stream', value: 'yes' }] } }] } },
        { matches: [{ path: { type: 'PathPrefix', value: '/echo.Echo' }, queryParams: [{ type: 'Exact', name: 'q', value: '1' }] }], default: { backendRefs: [{ kind: 'MeshService', name: 'backend' }] } },
        { matches: [{ path: { type: 'PathPrefix', value: '/echo.Admin' }, method: 'GET' }], default: { backendRefs: [{ kind: 'MeshService', name: 'backend' }] } },
        { matches: [{ path: { type: 'Exact', value: '/echo.Old/Call' } }], default: { filters: [{ type: 'RequestRedirect', requestRedirect: { hostname: 'elsewhere' } }] } },
      ],
    },
  ],
});

/** Timeouts on top of the routes: every new route and subset cluster gets them. */
const timeouts = policy('MeshTimeout', 'timeouts', {
  targetRef: { kind: 'Mesh' },
  to: [
    { targetRef: { kind: 'MeshService', name: 'backend' }, default: { connectionTimeout: '1s', http: { requestTimeout: '2s' } } },
    { targetRef: { kind: 'MeshService', name: 'echo' }, default: { connectionTimeout: '1s', http: { requestTimeout: '250ms' } } },
  ],
});

describe('MeshHTTPRoute goldens', () => {
  goldenSpecs(TESTDATA, 'Generated by mesh-http-route.golden.spec.ts', [
    {
      golden: 'envoy-canary',
      what: 'header match to a subset, 90/10 weighted subsets, another service; merged with a Mesh-wide rule of equal matches',
      dataplane: web1,
      kind: 'envoy',
      policies: [canary, meshDefaults],
    },
    {
      golden: 'envoy-filters',
      what: 'redirects, rewrites, mirrors, header modifiers and every header match type',
      dataplane: web1,
      kind: 'envoy',
      policies: [filters],
    },
    {
      golden: 'proxyless-canary',
      what: 'a proxyless gRPC client: header match to a subset, 90/10 split; query, GET and redirect rules dropped, filters left out',
      dataplane: grpcClient1,
      kind: 'grpc',
      policies: [grpcCanary],
    },
    {
      golden: 'proxyless-canary-timeouts',
      what: 'routes and MeshTimeout together on a proxyless client: every route gets max_stream_duration',
      dataplane: grpcClient1,
      kind: 'grpc',
      policies: [grpcCanary, timeouts],
    },
    {
      golden: 'envoy-canary-timeouts',
      what: 'routes and MeshTimeout together on Envoy: new routes get the timeout, new subset clusters the connect timeout',
      dataplane: web1,
      kind: 'envoy',
      policies: [canary, timeouts],
    },
  ]);
});
