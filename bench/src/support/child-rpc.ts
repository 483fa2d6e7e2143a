import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';

// Request/response over the IPC channel of a forked Node process (advanced serialization, so
// Buffers and typed arrays cross it). The child serves with `serveRpc`, the parent calls through
// a `ChildRpc`.

interface RpcRequest {
  readonly id: number;
  readonly op: string;
  readonly args: unknown;
}

interface RpcReply {
  readonly id: number;
  readonly ok: boolean;
  readonly result?: unknown;
  readonly error?: string;
}

/** Handlers of a child process, by operation name. */
export type RpcHandlers = Record<string, (args: never) => unknown>;

/** A forked child process answering requests. */
export class ChildRpc {
  readonly child: ChildProcess;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private exitError: Error | undefined;

  /** Forks `script` (a compiled entry point of this package) with `args` and extra `execArgv`. */
  constructor(script: string, args: readonly string[] = [], execArgv: readonly string[] = []) {
    this.child = fork(script, [...args], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [...execArgv] });
    this.child.on('message', (message: RpcReply) => {
      const waiter = this.waiting.get(message.id);
      if (!waiter) return;
      this.waiting.delete(message.id);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(message.error ?? 'child request failed'));
    });
    this.child.on('exit', (code, signal) => {
      this.exitError = new Error(`${script} exited (code ${String(code)}, signal ${String(signal)})`);
      for (const waiter of this.waiting.values()) waiter.reject(this.exitError);
      this.waiting.clear();
    });
  }

  /** The child's pid. */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Calls `op` in the child and resolves with its result. */
  call<T>(op: string, args: unknown = {}): Promise<T> {
    if (this.exitError) return Promise.reject(this.exitError);
    const id = ++this.nextId;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, op, args } satisfies RpcRequest, (err) => {
        if (!err) return;
        this.waiting.delete(id);
        reject(err);
      });
    });
  }

  /** SIGKILL (kill -9); resolves once the child is gone. */
  async kill9(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    await exited;
  }

  /** Asks the child to exit (op `exit`) and waits; kills it after `graceMs`. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.exitError || this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    this.call('exit').catch(() => undefined);
    await exited;
    clearTimeout(timer);
  }
}

/**
 * Serves `handlers` on this process's IPC channel (it must have been forked). Op `exit` is built in:
 * it runs `onExit` and exits the process once the reply is sent.
 */
export function serveRpc(handlers: RpcHandlers, onExit: () => Promise<void> | void = () => undefined): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('serveRpc: this process was not forked with an IPC channel');
  process.on('message', (message: RpcRequest) => {
    const reply = (r: RpcReply): void => {
      send(r);
    };
    if (message.op === 'exit') {
      void Promise.resolve(onExit()).finally(() => {
        send({ id: message.id, ok: true } satisfies RpcReply, () => process.exit(0));
      });
      return;
    }
    const handler = handlers[message.op];
    if (!handler) {
      reply({ id: message.id, ok: false, error: `unknown op ${message.op}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(message.args as never))
      .then(
        (result) => reply({ id: message.id, ok: true, result }),
        (err: unknown) => reply({ id: message.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) }),
      );
  });
  // The parent going away ends this process too: nothing else would stop its streams.
  process.on('disconnect', () => process.exit(0));
}
