/**
 * Child process of the `floor` scenario: drives the echo server (unary calls or one bidi
 * stream) or Redis (`EVALSHA` of a script that returns its argument), either one call in
 * flight (round trips per second) or open-loop at a rate, and reports the latency and
 * its own CPU.
 */
import * as grpc from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { encodeHistogram, newHistogram, recordUs } from '../core/histogram.js';
import { serveParent } from '../core/child-process.js';
import { ProcessWatch } from '../core/process-stats.js';
import { ECHO_SERVICE } from './echo-service.js';

/** What the floor measures. */
export type FloorMode = 'unary' | 'stream' | 'evalsha';

/** Arguments of the `run` command. */
export interface FloorRunArgs {
  mode: FloorMode;
  /** Calls per second, open-loop; 0: one in flight, as fast as round trips allow. */
  rate: number;
  durationMs: number;
  payloadBytes: number;
}

/** What one `run` did. */
export interface FloorRunResult {
  calls: number;
  elapsedMs: number;
  /** Round trip, encoded µs histogram. */
  latency: string;
  cpuMs: number;
}

const EchoClient = grpc.makeGenericClientConstructor(ECHO_SERVICE, 'Echo');
type UnaryFn = (req: Buffer, cb: (err: grpc.ServiceError | null, res?: Buffer) => void) => void;

let echo: grpc.Client | undefined;
let redis: Redis | undefined;
let sha = '';
const watch = new ProcessWatch();

serveParent({
  init: async ({ address, redisUrl }: { address: string; redisUrl: string }) => {
    echo = new EchoClient(address, grpc.credentials.createInsecure());
    redis = new Redis(redisUrl);
    sha = (await redis.script('LOAD', 'return ARGV[1]')) as string;
    return null;
  },
  run: (args: FloorRunArgs) => run(args),
  shutdown: async () => {
    echo?.close();
    await redis?.quit();
  },
});

/** One way of making a call: `send` starts one, `done` hears every reply in order. */
interface Caller {
  send(payload: Buffer): void;
  close(): void;
}

function caller(mode: FloorMode, done: () => void): Caller {
  if (mode === 'evalsha') {
    return {
      send: (payload) => void redis!.evalsha(sha, 0, payload).then(done),
      close: () => {},
    };
  }
  if (mode === 'unary') {
    const unary = (echo as unknown as { Unary: UnaryFn }).Unary.bind(echo);
    return { send: (payload) => unary(payload, () => done()), close: () => {} };
  }
  const stream = (echo as unknown as { Stream: () => grpc.ClientDuplexStream<Buffer, Buffer> }).Stream();
  stream.on('data', () => done());
  stream.on('error', () => {});
  return { send: (payload) => void stream.write(payload), close: () => stream.end() };
}

function run(args: FloorRunArgs): Promise<FloorRunResult> {
  const payload = Buffer.alloc(args.payloadBytes, 0x2e);
  const latency = newHistogram();
  // Replies come back in order on every transport here, so a FIFO of send times pairs them.
  const sentAt: number[] = [];
  let head = 0;
  let calls = 0;
  let replies = 0;
  let stopped = false;
  watch.reset();
  const start = performance.now();
  return new Promise((resolve) => {
    const finish = (): void => {
      c.close();
      resolve({
        calls: replies,
        elapsedMs: Math.round(performance.now() - start),
        latency: encodeHistogram(latency),
        cpuMs: watch.read().cpuMs,
      });
    };
    const sendOne = (): void => {
      calls++;
      sentAt.push(performance.now());
      c.send(payload);
    };
    const c = caller(args.mode, () => {
      recordUs(latency, (performance.now() - sentAt[head++]!) * 1000);
      replies++;
      if (stopped) {
        if (replies === calls) finish();
      } else if (args.rate === 0) sendOne();
    });
    const stop = (): void => {
      stopped = true;
      if (replies === calls) finish();
    };
    if (args.rate === 0) {
      // Closed loop: one in flight until the time is up.
      setTimeout(stop, args.durationMs);
      sendOne();
      return;
    }
    // Open loop: the schedule's calls, all of them, however late a timer fires on a busy
    // machine; the run ends when the last one is sent and answered.
    const total = Math.round((args.rate * args.durationMs) / 1000);
    const pump = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * args.rate) / 1000) + 1);
      while (calls < due) sendOne();
      if (calls < total) setTimeout(pump, 1);
      else stop();
    };
    pump();
  });
}
