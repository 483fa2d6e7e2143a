/** Handle of a timer started through {@link Timers}. */
export type TimerHandle = unknown;

/**
 * The timer functions a component uses, injected so unit tests drive time by hand instead of
 * sleeping. {@link systemTimers} is the real thing.
 */
export interface Timers {
  /** Calls `callback` once after `ms` milliseconds. */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  /** Cancels a timer; a no-op for one that already fired. */
  clearTimeout(handle: TimerHandle): void;
  /** Calls `callback` once, after pending I/O callbacks (Node's `setImmediate`): how long work yields to the event loop. */
  setImmediate(callback: () => void): TimerHandle;
  /** Cancels a {@link setImmediate}; a no-op for one that already ran. */
  clearImmediate(handle: TimerHandle): void;
}

/** Node's timers; they do not keep the process alive (every owner stops its own on shutdown). */
export const systemTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms).unref(),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
  setImmediate: (callback) => setImmediate(callback).unref(),
  clearImmediate: (handle) => clearImmediate(handle as NodeJS.Immediate),
};
