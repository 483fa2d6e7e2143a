import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Metrics } from './metrics';

/** The Prometheus text `metrics` serves, through a loopback HTTP server as a service serves it. */
async function scrape(metrics: Metrics): Promise<string> {
  const server = createServer((req, res) => metrics.handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`);
    return await res.text();
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** The value of the sample `name{…labels}` in `text`, or undefined. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    if (Object.entries(labels).every(([k, v]) => (m[2] ?? '').includes(`${k}="${v}"`))) return Number(m[3]);
  }
  return undefined;
}

/** Keeps the event loop busy for `ms` (the delay the monitor must see). */
function blockFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // Busy on purpose.
  }
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('runtime metrics', () => {
  it('exports event-loop delay p50/p99/max in seconds per scrape window, and the V8 heap', async () => {
    const metrics = new Metrics({ serviceName: 'test', instanceId: 'test-1' });
    try {
      await scrape(metrics); // starts a fresh window
      await delay(50);
      blockFor(120);
      await delay(50);
      const text = await scrape(metrics);
      const max = sample(text, 'mycel_event_loop_delay_seconds', { stat: 'max' });
      const p99 = sample(text, 'mycel_event_loop_delay_seconds', { stat: 'p99' });
      const p50 = sample(text, 'mycel_event_loop_delay_seconds', { stat: 'p50' });
      assert.ok(max !== undefined && p99 !== undefined && p50 !== undefined, `no event-loop delay samples in:\n${text}`);
      assert.ok(max >= 0.1, `max ${max} s covers the 120 ms block`);
      assert.ok(max < 5, `max ${max} s is in seconds`);
      assert.ok(p50 <= p99 && p99 <= max);
      const heap = sample(text, 'mycel_heap_used_bytes');
      assert.ok(heap !== undefined && heap > 1024 * 1024, `heap used ${String(heap)} bytes`);

      // The next window no longer holds the block.
      await delay(50);
      const next = await scrape(metrics);
      const nextMax = sample(next, 'mycel_event_loop_delay_seconds', { stat: 'max' });
      assert.ok(nextMax !== undefined && nextMax < 0.1, `next window's max ${String(nextMax)} s`);
      const nextMin = sample(next, 'mycel_event_loop_delay_seconds', { stat: 'min' });
      assert.ok(nextMin !== undefined && nextMin < 0.005, `the 10 ms sampling period is not counted as delay (min ${String(nextMin)} s)`);
    } finally {
      await metrics.shutdown();
    }
  });

  it('can be turned off', async () => {
    const metrics = new Metrics({ serviceName: 'test', instanceId: 'test-2', runtimeMetrics: false });
    try {
      const text = await scrape(metrics);
      assert.equal(sample(text, 'mycel_heap_used_bytes'), undefined);
    } finally {
      await metrics.shutdown();
    }
  });
});
