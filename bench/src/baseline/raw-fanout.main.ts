import { procStatusKiB } from '../support/proc-status';
import { serveRpc } from '../support/child-rpc';
import { monotonicMs } from '../support/monotonic-clock';
import type { ReplayChunk } from '../sim/replay';
import { RawFanoutServer } from './raw-fanout.server';

// The raw fan-out baseline server in a process of its own, like the control plane it stands for.

const server = new RawFanoutServer();

serveRpc(
  {
    load: (chunk: ReplayChunk) => {
      server.load(chunk);
      return {};
    },
    start: async () => ({ port: await server.start() }),
    push: (args: { slot: string }) => server.push(args.slot, monotonicMs),
    status: () => ({ streams: server.streamCount, rssKiB: procStatusKiB('self') }),
  },
  () => server.stop(),
);
