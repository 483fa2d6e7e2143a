import { join } from 'node:path';
import { ChildRpc } from '../support/child-rpc';
import type { EventLoopDelay } from '../support/cp-process';
import type { ReplayChunk } from '../sim/replay';
import type { PushResult } from './raw-fanout.server';

/** Path of the compiled raw fan-out server entry point. */
const RAW_MAIN = join(__dirname, 'raw-fanout.main.js');

/**
 * The raw fan-out baseline server in a process of its own (see raw-fanout.server.ts), loaded with
 * captured replay chunks. The one way every scenario starts, drives, kills and restarts it.
 */
export class RawFanout {
  private rpc: ChildRpc;

  private constructor(
    private readonly chunks: readonly ReplayChunk[],
    /** The port it serves on (kept across {@link restart}). */
    public port: number,
  ) {
    this.rpc = new ChildRpc(RAW_MAIN, [], ['--expose-gc']);
  }

  /** Forks the server, loads `chunks` and starts serving on `port` (a free one by default). */
  static async start(chunks: readonly ReplayChunk[], port = 0): Promise<RawFanout> {
    const raw = new RawFanout(chunks, port);
    await raw.boot();
    return raw;
  }

  /** The server process's pid. */
  get pid(): number {
    return this.rpc.pid;
  }

  /** Writes the captured responses of `slot` to every stream; resolves once all were ACKed. */
  push(slot: string): Promise<PushResult> {
    return this.rpc.call<PushResult>('push', { slot });
  }

  /** Event-loop delay of the server since the previous call, in ms (the same monitor zone-cp exports). */
  eventLoopDelay(): Promise<EventLoopDelay> {
    return this.rpc.call<EventLoopDelay>('eventLoopDelay');
  }

  /**
   * A full garbage collection in the server, so the RSS read next holds live memory (as zone-cp's,
   * see CpProcess.collectGarbage); resolves with the V8 heap in use after it, in bytes.
   */
  async collectGarbage(): Promise<number> {
    return (await this.rpc.call<{ heapUsedBytes: number }>('collectGarbage')).heapUsedBytes;
  }

  /** kill -9 of the server process; resolves once it is gone. */
  kill9(): Promise<void> {
    return this.rpc.kill9();
  }

  /** A new server process on the same port with the same replay; resolves once it serves. */
  async restart(): Promise<void> {
    await this.rpc.stop();
    this.rpc = new ChildRpc(RAW_MAIN, [], ['--expose-gc']);
    await this.boot();
  }

  /** Stops the server. */
  stop(): Promise<void> {
    return this.rpc.stop();
  }

  private async boot(): Promise<void> {
    for (const chunk of this.chunks) await this.rpc.call('load', chunk);
    this.port = (await this.rpc.call<{ port: number }>('start', { port: this.port })).port;
  }
}
