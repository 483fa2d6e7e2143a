import { monitorEventLoopDelay } from 'node:perf_hooks';
import { procStatusKiB } from '../support/proc-status';
import { serveRpc } from '../support/child-rpc';
import { monotonicMs } from '../support/monotonic-clock';
import type { ReplayChunk } from '../sim/replay';
import { RawFanoutServer } from './raw-fanout.server';

// The raw fan-out baseline server in a process of its own, like the control plane it stands for.

const server = new RawFanoutServer();
// The same monitor zone-cp exports as mycel_event_loop_delay_seconds, read and reset per call.
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

serveRpc(
  {
    load: (chunk: ReplayChunk) => {
      server.load(chunk);
      return {};
    },
    start: async (args: { port?: number }) => ({ port: await server.start(args.port) }),
    collectGarbage: () => {
      // Forked with --expose-gc by RawFanout: readings that follow hold live memory.
      (globalThis as { gc?: () => void }).gc?.();
      return { heapUsedBytes: process.memoryUsage().heapUsed };
    },
    eventLoopDelay: () => {
      // As zone-cp's gauge: the 10 ms sampling period is not delay.
      const ms = (ns: number): number => Math.max(0, ns - 10e6) / 1e6;
      const delay = { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max) };
      loopDelay.reset();
      return delay;
    },
    push: (args: { slot: string }) => server.push(args.slot, monotonicMs),
    status: () => ({ streams: server.streamCount, rssKiB: procStatusKiB('self') }),
  },
  () => {
    loopDelay.disable();
    return server.stop();
  },
);
