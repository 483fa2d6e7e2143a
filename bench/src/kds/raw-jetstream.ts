import { DeliverPolicy, StorageType, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { ConsumerMessages } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';

// The limit baseline of KDS: plain nats.js JetStream — a stream configured like a KV bucket (file
// storage, one message per subject), a publisher awaiting each ack, ordered pull consumers
// reading it. No Mycel code: no entry decoding, no hashing, no store.

/** Stream of the baseline; subjects `bench.<key>`. */
export const RAW_STREAM = 'BENCH_KDS';

/** Connects without credentials (the baseline's nats-server has no auth). */
export function rawConnect(url: string, name: string): Promise<NatsConnection> {
  return connect({ servers: url, name });
}

/** Creates {@link RAW_STREAM} like a KV bucket with history 1 (file storage, max one message per subject). */
export async function createRawStream(nc: NatsConnection): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: RAW_STREAM, subjects: ['bench.>'], storage: StorageType.File, max_msgs_per_subject: 1, num_replicas: 1 });
}

/** Removes every message of {@link RAW_STREAM}. */
export async function purgeRawStream(nc: NatsConnection): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.purge(RAW_STREAM);
}

/** Publishes `data` on `bench.<key>` and waits for the ack; resolves with the stream sequence. */
export async function rawPublish(nc: NatsConnection, key: string, data: Uint8Array): Promise<number> {
  const ack = await jetstream(nc).publish(`bench.${key}`, data);
  return ack.seq;
}

/** An ordered consumer recording (stream sequence, receive time) of every new message. */
export class RawFollower {
  readonly seqs: number[] = [];
  readonly times: number[] = [];
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly now: () => number,
  ) {}

  /** Starts reading messages published from now on. */
  async start(): Promise<void> {
    const consumer = await jetstream(this.nc).consumers.get(RAW_STREAM, { deliver_policy: DeliverPolicy.New });
    const messages = await consumer.consume({ max_messages: 512 });
    this.messages = messages;
    this.loop = (async () => {
      for await (const m of messages) {
        this.times.push(this.now());
        this.seqs.push(m.seq);
      }
    })();
  }

  /** Stops reading and waits for the loop to end. */
  async stop(): Promise<void> {
    this.messages?.stop();
    await this.loop;
  }
}

/** Reads every message of {@link RAW_STREAM} with a fresh ordered consumer; resolves with the time it took, in ms. */
export async function rawReadAll(nc: NatsConnection, count: number, now: () => number): Promise<number> {
  const t0 = now();
  const consumer = await jetstream(nc).consumers.get(RAW_STREAM, { deliver_policy: DeliverPolicy.All });
  const messages = await consumer.consume({ max_messages: 512 });
  let n = 0;
  for await (const m of messages) {
    // Touch the payload like a reader would (it is what KDS parses); the bytes are not used.
    if (m.data.length >= 0) n++;
    if (n >= count) break;
  }
  messages.stop();
  return now() - t0;
}
