import { procStatusKiB } from '../support/proc-status';
import { serveRpc } from '../support/child-rpc';
import { SimFleet } from './sim-fleet';
import type { ConnectOptions, ResyncOptions, RoundOptions, SimSpec } from './sim-fleet';

// A worker process hosting simulated dataplanes, so that the control plane under test gets a core
// of its own. Driven by the bench over IPC (see ChildRpc).

let fleet: SimFleet | undefined;

serveRpc(
  {
    connect: (args: { specs: SimSpec[]; options: ConnectOptions; append?: boolean }) => {
      if (args.append !== true || !fleet) {
        fleet?.close();
        fleet = new SimFleet();
      }
      return fleet.connect(args.specs, args.options);
    },
    recordVersions: () => {
      if (!fleet) throw new Error('recordVersions before connect');
      return fleet.recordVersions();
    },
    resync: (args: ResyncOptions) => {
      if (!fleet) throw new Error('resync before connect');
      return fleet.awaitResync(args);
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
