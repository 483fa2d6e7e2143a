import { procStatusKiB } from '../support/proc-status';
import { serveRpc } from '../support/child-rpc';
import { SimFleet } from './sim-fleet';
import type { ConnectOptions, RoundOptions, SimSpec } from './sim-fleet';

// A worker process hosting simulated dataplanes, so that the control plane under test gets a core
// of its own. Driven by the bench over IPC (see ChildRpc).

let fleet: SimFleet | undefined;

serveRpc(
  {
    connect: (args: { specs: SimSpec[]; options: ConnectOptions }) => {
      fleet?.close();
      fleet = new SimFleet();
      return fleet.connect(args.specs, args.options);
    },
    round: (args: RoundOptions) => {
      if (!fleet) throw new Error('round before connect');
      return fleet.awaitRound(args);
    },
    replay: () => {
      if (!fleet) throw new Error('replay before connect');
      return fleet.exportReplay();
    },
    status: () => ({ open: fleet?.open ?? 0, rssKiB: procStatusKiB('self') }),
    disconnect: () => {
      fleet?.close();
      fleet = undefined;
      return {};
    },
  },
  () => fleet?.close(),
);
