/**
 * How soon the client library works again once its server is back from an outage: a
 * `codeq serve` (the memory store) with a Worker and a Producer on it is killed, stays
 * down for the given seconds while the producer tries an enqueue every 5 s, and starts
 * again on the same port. Prints the seconds from the restart to the producer's first
 * enqueue and to the worker's stream opening again. grpc-js's own backoff between
 * connection attempts grows to 2 minutes unless the client bounds it.
 *
 *   npm run build && node dist/bench/tools/outage-recovery.js [seconds down, default 90]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Producer } from '../../clients/producer.js';
import { Worker } from '../../clients/worker.js';
import { freePort } from '../../support/free-port.js';
import { toolArgs } from './tool-args.js';

const [downS] = toolArgs(
  'outage-recovery',
  [{ name: 'seconds down', default: '90', kind: 'count' }],
  'How soon a Worker and a Producer work again once their server is back from an outage:\n' +
    'seconds from the restart to the first enqueue and to the worker stream opening again.',
).map(Number) as [number];

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;
const since = (t: number): string => seconds(Date.now() - t);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `codeq serve` on `address`, resolved once it says it serves. */
async function serve(address: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--listen', address, '--console-listen', '127.0.0.1:0'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let log = '';
  await new Promise<void>((resolve, reject) => {
    // The server logs to stdout, its errors too.
    const read = (chunk: Buffer): void => {
      log += chunk.toString();
      if (log.includes('serving on')) resolve();
    };
    child.stdout.on('data', read);
    child.stderr.on('data', read);
    child.once('exit', (code) => reject(new Error(`codeq serve exited (${code}): ${log}`)));
  });
  return child;
}

const address = `127.0.0.1:${await freePort()}`;
let server = await serve(address);
const worker = new Worker({
  address,
  queues: ['q'],
  handler: () => Promise.resolve('ok'),
  logger: { warn() {} },
});
await worker.start();
const producer = new Producer({ address });
await producer.enqueue('q', 'before');

server.kill('SIGKILL');
const downAt = Date.now();
console.error(`outage-recovery: server killed; down for ${downS} s`);
const tries = setInterval(() => {
  producer.enqueue('q', 'during').catch(() => undefined);
  console.error(`outage-recovery: down ${since(downAt)}`);
}, 5_000);
await sleep(downS * 1000);
clearInterval(tries);

const reopened = new Promise<number>((resolve) => worker.once('opened', () => resolve(Date.now())));
server = await serve(address);
const backAt = Date.now();
console.error('outage-recovery: server back; waiting for the clients');
for (;;) {
  try {
    await producer.enqueue('q', 'after');
    break;
  } catch {
    await sleep(200);
  }
}
const enqueued = since(backAt);
console.log(
  `down ${downS} s: the producer enqueued again ${enqueued} after the restart, the worker's stream opened ${seconds((await reopened) - backAt)} after`,
);
producer.close();
await worker.stop({ graceMs: 0 });
server.kill('SIGKILL');
