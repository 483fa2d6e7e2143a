/** Time and timers of the sync loops; inject a {@link ManualClock} in tests so they need no sleeps. */
export interface KdsClock {
  /** The current time. */
  now(): Date;
  /** Calls `fn` once after `ms` milliseconds; returns a canceller (idempotent). */
  setTimeout(fn: () => void, ms: number): () => void;
}

/** The system clock and Node timers. Timers are unref'd: a pending retry never keeps a process alive. */
export const systemClock: KdsClock = {
  now: () => new Date(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
};

interface ManualTimer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

/** A clock that moves only when told to; due timers fire, in time order, during {@link ManualClock.advance}. */
export class ManualClock implements KdsClock {
  private ms: number;
  private seq = 0;
  private timers: ManualTimer[] = [];

  constructor(start: Date = new Date('2026-01-01T00:00:00.000Z')) {
    this.ms = start.getTime();
  }

  now(): Date {
    return new Date(this.ms);
  }

  setTimeout(fn: () => void, ms: number): () => void {
    const timer: ManualTimer = { at: this.ms + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t !== timer);
    };
  }

  /** Moves time forward by `ms`, firing every timer that falls due, earliest first. */
  advance(ms: number): void {
    const target = this.ms + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (due === undefined) break;
      this.timers = this.timers.filter((t) => t !== due);
      this.ms = due.at;
      due.fn();
    }
    this.ms = target;
  }

  /** Number of pending timers. */
  get pending(): number {
    return this.timers.length;
  }
}

/**
 * A one-shot-per-wait signal: `wait(ms)` resolves after `ms` on `clock`, or earlier when `wake()` is
 * called (a wake with nobody waiting is remembered for the next wait, so none is lost).
 */
export class Wakeup {
  private pending = false;
  private resolve: (() => void) | undefined;

  constructor(private readonly clock: KdsClock) {}

  /** Resolves after `ms`, or at the next (or a pending) wake(); `ms` = Infinity waits for a wake only. */
  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const cancel = Number.isFinite(ms) ? this.clock.setTimeout(() => done(), ms) : () => undefined;
      const done = (): void => {
        cancel();
        if (this.resolve === done) this.resolve = undefined;
        resolve();
      };
      this.resolve = done;
    });
  }

  /** Ends the current wait now, or the next one immediately. */
  wake(): void {
    const resolve = this.resolve;
    if (resolve === undefined) {
      this.pending = true;
      return;
    }
    this.resolve = undefined;
    resolve();
  }
}

/** Retry delay after `attempt` consecutive failures (1-based): doubling from `baseMs`, capped at `maxMs`. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
}
