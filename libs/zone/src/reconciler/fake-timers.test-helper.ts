import type { TimerHandle, Timers } from './timers';

interface Pending {
  readonly id: number;
  readonly due: number;
  readonly callback: () => void;
}

/** Hand-driven {@link Timers} for unit tests: nothing fires until `tick` or `runAll`. */
export class FakeTimers implements Timers {
  private now = 0;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.nextId++;
    this.pending.set(id, { id, due: this.now + ms, callback });
    return id;
  }

  clearTimeout(handle: TimerHandle): void {
    this.pending.delete(handle as number);
  }

  /** Due now: runs on the next `tick` or `runAll`, after the timers already due. */
  setImmediate(callback: () => void): TimerHandle {
    return this.setTimeout(callback, 0);
  }

  clearImmediate(handle: TimerHandle): void {
    this.clearTimeout(handle);
  }

  /** Fires the most recently started pending timer, whatever its due time (e.g. a debounce while immediates wait); returns whether one fired. */
  runLatest(): boolean {
    const latest = [...this.pending.values()].sort((a, b) => b.id - a.id)[0];
    if (latest === undefined) return false;
    this.pending.delete(latest.id);
    this.now = Math.max(this.now, latest.due);
    latest.callback();
    return true;
  }

  /** Fires exactly one timer, the earliest pending (advancing the clock to its due time); returns whether one fired. */
  runOne(): boolean {
    const next = [...this.pending.values()].sort((a, b) => a.due - b.due || a.id - b.id)[0];
    if (next === undefined) return false;
    this.pending.delete(next.id);
    this.now = Math.max(this.now, next.due);
    next.callback();
    return true;
  }

  /** Number of timers not fired yet. */
  get size(): number {
    return this.pending.size;
  }

  /** Advances the clock by `ms` and fires every timer due by then, in due order. */
  tick(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const next = [...this.pending.values()].filter((p) => p.due <= until).sort((a, b) => a.due - b.due || a.id - b.id)[0];
      if (next === undefined) break;
      this.pending.delete(next.id);
      this.now = next.due;
      next.callback();
    }
    this.now = until;
  }

  /** Fires every pending timer (and those they start) regardless of due time. */
  runAll(): void {
    for (let guard = 0; this.pending.size > 0; guard++) {
      if (guard > 10_000) throw new Error('timers keep rescheduling themselves');
      const next = [...this.pending.values()].sort((a, b) => a.due - b.due || a.id - b.id)[0] as Pending;
      this.pending.delete(next.id);
      this.now = Math.max(this.now, next.due);
      next.callback();
    }
  }
}
