import { createHash } from 'node:crypto';
import type { DeltaDiscoveryResponse, DiscoveryResponse, EncodedAny } from '@mycel/xds';
import type { AnyDiscoveryResponse } from './ads-sim-client';

// The responses simulated dataplanes received from the control plane, in a form the raw fan-out
// baseline can send again byte for byte. Encoded resources are interned: the same bytes sent to
// many dataplanes are stored (and shipped between processes) once.

/** One response to replay; `resources` index the chunk's `blobs`. */
export type ReplayResponse =
  | { readonly protocol: 'sotw'; readonly typeUrl: string; readonly version: string; readonly resources: readonly number[] }
  | {
      readonly protocol: 'delta';
      readonly typeUrl: string;
      readonly version: string;
      readonly resources: ReadonlyArray<{ readonly name: string; readonly version: string; readonly blob: number }>;
      readonly removed: readonly string[];
    };

/** What one dataplane received: its initial configuration, and per round kind the last response of each type. */
export interface NodeReplay {
  readonly name: string;
  /** Every response received until it was synced, in arrival order. */
  readonly initial: readonly ReplayResponse[];
  /** Round slot (`<change kind>/<parity>`) → every response one round of that slot brought, in arrival order. */
  readonly rounds: Readonly<Record<string, readonly ReplayResponse[]>>;
}

/** The replay of the dataplanes of one worker. */
export interface ReplayChunk {
  readonly blobs: readonly EncodedAny[];
  readonly nodes: readonly NodeReplay[];
}

/** The slot name of a round: changes alternate between two values, so rounds of equal parity send equal bytes. */
export function roundSlot(kind: string, parity: number): string {
  return `${kind}/${parity % 2}`;
}

/** Interns encoded resources and turns received responses into {@link ReplayResponse}s. */
export class ReplayBuilder {
  private readonly blobs: EncodedAny[] = [];
  private readonly index = new Map<string, number>();

  /** The replay form of `response`. */
  add(response: AnyDiscoveryResponse): ReplayResponse {
    if ('version_info' in response) {
      const sotw = response as DiscoveryResponse;
      return { protocol: 'sotw', typeUrl: sotw.type_url, version: sotw.version_info, resources: sotw.resources.map((any) => this.intern(any)) };
    }
    const delta = response as DeltaDiscoveryResponse;
    return {
      protocol: 'delta',
      typeUrl: delta.type_url,
      version: delta.system_version_info,
      resources: delta.resources.filter((r) => r.resource).map((r) => ({ name: r.name, version: r.version, blob: this.intern(r.resource) })),
      removed: [...delta.removed_resources],
    };
  }

  /** The chunk of `nodes` with every resource interned so far. */
  chunk(nodes: readonly NodeReplay[]): ReplayChunk {
    return { blobs: this.blobs, nodes };
  }

  private intern(any: EncodedAny): number {
    const key = `${any.type_url}\n${createHash('sha1').update(any.value).digest('base64')}`;
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.blobs.length;
      this.blobs.push({ type_url: any.type_url, value: Buffer.from(any.value) });
      this.index.set(key, i);
    }
    return i;
  }
}
