import { TypeUrl } from '../resource-types';

/** Whether a type URL supports wildcard subscriptions (only Listener and Cluster, per the xDS spec). */
export function isWildcardType(typeUrl: string): boolean {
  return typeUrl === TypeUrl.listener || typeUrl === TypeUrl.cluster;
}

/** The special resource name that subscribes to everything the server decides the node needs. */
export const WILDCARD = '*';

/**
 * The resources of one type a stream is subscribed to, following the rules of the xDS spec
 * ("How the client specifies what resources to return"): explicit names, plus a wildcard for
 * Listener/Cluster — either an explicit `*` or the legacy form (no name ever subscribed explicitly on
 * this stream for this type). Once a name has been subscribed explicitly the legacy form is gone, and
 * an empty list means "nothing". For other types `*` is an ordinary (non-existent) name.
 */
export class Subscription {
  private wildcardOn = false;
  private everExplicit = false;
  private readonly explicit = new Set<string>();
  private readonly wildcardCapable: boolean;

  constructor(typeUrl: string) {
    this.wildcardCapable = isWildcardType(typeUrl);
  }

  /** True while the stream subscribes to the wildcard. */
  get wildcard(): boolean {
    return this.wildcardOn;
  }

  /** Explicitly subscribed names (never `*` for wildcard types). */
  get names(): ReadonlySet<string> {
    return this.explicit;
  }

  /** True when `name` is covered by the wildcard or subscribed explicitly. */
  covers(name: string): boolean {
    return this.wildcardOn || this.explicit.has(name);
  }

  /** True when the stream is not interested in anything of this type. */
  get empty(): boolean {
    return !this.wildcardOn && this.explicit.size === 0;
  }

  /**
   * SotW: every request carries the complete list, which replaces the previous one. An empty list is
   * the legacy wildcard until a name has been subscribed explicitly, and "unsubscribe all" after.
   */
  replace(resourceNames: readonly string[]): void {
    this.explicit.clear();
    if (resourceNames.length === 0) {
      this.wildcardOn = this.wildcardCapable && !this.everExplicit;
      return;
    }
    this.everExplicit = true;
    this.wildcardOn = false;
    for (const name of resourceNames) {
      if (this.wildcardCapable && name === WILDCARD) this.wildcardOn = true;
      else this.explicit.add(name);
    }
  }

  /**
   * Delta: applies a request's subscribe/unsubscribe lists (unsubscribe after subscribe, so a name in
   * both ends unsubscribed). A request naming nothing at all while no name was ever named on this
   * stream is the legacy wildcard; the wildcard then stays until `*` is unsubscribed.
   */
  update(subscribe: readonly string[], unsubscribe: readonly string[]): void {
    if (subscribe.length === 0 && unsubscribe.length === 0) {
      if (!this.everExplicit && this.wildcardCapable) this.wildcardOn = true;
      return;
    }
    this.everExplicit = true;
    for (const name of subscribe) {
      if (this.wildcardCapable && name === WILDCARD) this.wildcardOn = true;
      else this.explicit.add(name);
    }
    for (const name of unsubscribe) {
      if (this.wildcardCapable && name === WILDCARD) this.wildcardOn = false;
      else this.explicit.delete(name);
    }
  }
}
