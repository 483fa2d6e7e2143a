import type { ConsumerStatus } from './bucket-consumer';
import type { Heartbeat } from './kds-entry';

/** What global knows about one zone (the `/zones` API renders this). */
export interface ZoneStatus {
  readonly zone: string;
  /** The zone's bucket. */
  readonly bucket: string;
  /** True when a heartbeat was seen within the offline timeout. */
  readonly online: boolean;
  /** RFC 3339 time global last saw a heartbeat of the zone (absent: never). */
  readonly lastSeen?: string;
  /** The zone control plane instance that wrote the last heartbeat. */
  readonly instanceId?: string;
  /** The zone's own clock in its last heartbeat (RFC 3339). */
  readonly reportedTime?: string;
  /** The revision of `mycel-global` the zone reported as applied in its last heartbeat (its KDS version). */
  readonly globalRevision?: number;
  /** Resources of the zone synced to global, per type. */
  readonly resources: Readonly<Record<string, number>>;
  /** State of global's consumer of the zone's bucket. */
  readonly sync: ConsumerStatus;
}

interface Seen {
  readonly at: Date;
  readonly heartbeat: Heartbeat;
}

/**
 * Last heartbeat per zone, on global's clock. A heartbeat that arrives live is seen "now"; one
 * found in a snapshot (global just (re)subscribed) is seen at the time NATS stored it — so a
 * zone that died before global restarted is not reported online — but never later than now.
 */
export class ZoneHeartbeats {
  private readonly seen = new Map<string, Seen>();

  constructor(private readonly offlineAfterMs: number) {}

  /** Records a heartbeat of `zone` observed at `now` (`written`: NATS's time of the write; used when not live). */
  record(zone: string, heartbeat: Heartbeat, now: Date, written: Date, live: boolean): void {
    const at = live ? now : new Date(Math.min(now.getTime(), written.getTime()));
    const previous = this.seen.get(zone);
    if (previous !== undefined && previous.at.getTime() > at.getTime()) return;
    this.seen.set(zone, { at, heartbeat });
  }

  /** True when `zone`'s last heartbeat is at most `offlineAfterMs` old at `now`. */
  online(zone: string, now: Date): boolean {
    const s = this.seen.get(zone);
    return s !== undefined && now.getTime() - s.at.getTime() <= this.offlineAfterMs;
  }

  /** The heartbeat fields of a {@link ZoneStatus}. */
  describe(zone: string, now: Date): Pick<ZoneStatus, 'online' | 'lastSeen' | 'instanceId' | 'reportedTime' | 'globalRevision'> {
    const s = this.seen.get(zone);
    if (s === undefined) return { online: false };
    return {
      online: this.online(zone, now),
      lastSeen: s.at.toISOString(),
      instanceId: s.heartbeat.instanceId,
      reportedTime: s.heartbeat.time,
      ...(s.heartbeat.globalRevision !== undefined ? { globalRevision: s.heartbeat.globalRevision } : {}),
    };
  }
}
