import type { MeshContext, Proxy } from './proxy';
import type { ResourceSet } from './resource-set';

/**
 * One concern of a proxy's configuration (inbound listeners, outbound listeners, endpoints,
 * admin …). Pure: the same context and proxy always give equal resources; it never reads the
 * clock, the store or the network.
 */
export interface ResourceGenerator {
  /** Short name for errors and traces, e.g. `inbound`. */
  readonly name: string;
  /** The resources this concern contributes for `proxy`. */
  generate(ctx: MeshContext, proxy: Proxy): ResourceSet;
  /**
   * For a generator whose resources are all shared (memoised in `ctx.templates`) and depend on the
   * context only through what this returns: the output for one dataplane object (stored resources
   * are immutable), proxy kind and key is reused from `ctx.templates` instead of being generated
   * again. Absent: generated every time.
   */
  contextKey?(ctx: MeshContext, proxy: Proxy): string;
}
