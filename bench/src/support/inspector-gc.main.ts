import { serveRpc } from './child-rpc';

// Forces a full garbage collection in another Node process through its inspector
// (`HeapProfiler.collectGarbage` over the DevTools protocol), so that heap and RSS readings hold
// live memory rather than garbage V8 has not collected yet. Runs in a process of its own, forked
// with --experimental-websocket: Node 20 has its WebSocket client behind that flag.

interface CdpReply {
  readonly id?: number;
  readonly error?: { readonly message: string };
}

/** Sends `method` over the DevTools protocol at `url` and resolves once it answered. */
function cdpCall(url: string, method: string, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const socket = new WebSocket(url);
    const timer = setTimeout(() => finish(new Error(`${method} did not answer within ${timeoutMs} ms`)), timeoutMs);
    const finish = (err?: Error): void => {
      clearTimeout(timer);
      socket.close();
      if (err) reject(err);
      else resolve();
    };
    socket.addEventListener('open', () => socket.send(JSON.stringify({ id: 1, method })));
    socket.addEventListener('message', (event: MessageEvent) => {
      const reply = JSON.parse(String(event.data)) as CdpReply;
      if (reply.id !== 1) return;
      finish(reply.error ? new Error(`${method}: ${reply.error.message}`) : undefined);
    });
    socket.addEventListener('error', () => finish(new Error(`inspector WebSocket ${url} failed`)));
  });
}

serveRpc({
  collectGarbage: async (args: { url: string }) => {
    await cdpCall(args.url, 'HeapProfiler.collectGarbage', 60_000);
    return {};
  },
});
