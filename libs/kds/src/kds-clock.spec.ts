import assert from 'node:assert/strict';
import { ManualClock, Wakeup, backoffMs } from './kds-clock';

describe('kds-clock', () => {
  it('fires manual timers in time order when advanced, and not when cancelled', () => {
    const clock = new ManualClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b'), 20);
    clock.setTimeout(() => fired.push('a'), 10);
    const cancel = clock.setTimeout(() => fired.push('never'), 15);
    cancel();
    clock.advance(15);
    assert.deepEqual(fired, ['a']);
    clock.advance(5);
    assert.deepEqual(fired, ['a', 'b']);
    assert.equal(clock.pending, 0);
  });

  it('wakes a waiter early, and remembers a wake with nobody waiting', async () => {
    const clock = new ManualClock();
    const wakeup = new Wakeup(clock);
    const waiting = wakeup.wait(1000);
    wakeup.wake();
    await waiting;
    assert.equal(clock.pending, 0, 'the timer of an ended wait is cancelled');
    wakeup.wake();
    await wakeup.wait(Infinity);
    const timed = wakeup.wait(50);
    clock.advance(50);
    await timed;
  });

  it('doubles the retry delay up to its cap', () => {
    assert.deepEqual([1, 2, 3, 4, 10, 100].map((n) => backoffMs(n, 250, 10000)), [250, 500, 1000, 2000, 10000, 10000]);
  });
});
