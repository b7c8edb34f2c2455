/**
 * Child process holding the worker side of a run: codeQ Claim streams or BullMQ workers.
 * It records, for every bench task, when the task reached a worker and when its
 * completion was acknowledged, and reports encoded histograms to the parent: once a
 * second for the progress line and the latency-over-time chart, and whole on request.
 */
import { serveParent } from '../core/child-process.js';
import { ProcessWatch } from '../core/process-stats.js';
import { BullmqWorkers } from './bullmq-workers.js';
import { CodeqLibWorkers } from './codeq-lib-workers.js';
import { CodeqStreamWorkers } from './codeq-stream-workers.js';
import { LeaseRecorder } from './lease-recorder.js';
import { RabbitmqWorkers } from './rabbitmq-workers.js';
import type { SystemName } from '../run/system.js';
import type { LoadWorkers, WorkerSpec } from './load-workers.js';

/** Arguments of the `init` command. */
export interface WorkerInitArgs {
  system: SystemName;
  /** codeQ: the server address; RabbitMQ: the broker's URL. */
  address?: string;
  /** BullMQ: the Redis URL. */
  redisUrl?: string;
  /** codeQ only: `raw` Claim streams (default), the same over bare HTTP/2 (`h2`), or the `lib` client Worker. */
  client: 'raw' | 'h2' | 'lib';
  spec: WorkerSpec;
  /** Record this epoch from the start (a prefilled queue is taken the moment streams open). */
  measureFrom?: { epoch: number; startedAt: number } | undefined;
}

const watch = new ProcessWatch();
let recorder: LeaseRecorder | undefined;
let workers: LoadWorkers | undefined;
let ticker: NodeJS.Timeout | undefined;

const link = serveParent({
  init: async (args: WorkerInitArgs) => {
    const { spec } = args;
    recorder = new LeaseRecorder(spec.streams, spec.concurrency);
    if (args.measureFrom) recorder.measure(args.measureFrom.epoch, args.measureFrom.startedAt);
    if (args.system === 'bullmq') workers = new BullmqWorkers(args.redisUrl!, spec, recorder);
    else if (args.system === 'rabbitmq') workers = new RabbitmqWorkers(args.address!, spec, recorder);
    else if (args.client === 'lib') workers = new CodeqLibWorkers(args.address!, spec, recorder);
    else
      workers = new CodeqStreamWorkers(
        args.address!,
        spec,
        recorder,
        args.client === 'h2' ? 'h2' : 'grpc-js',
      );
    await workers.start();
    ticker = setInterval(() => link.emit('interval', recorder!.takeInterval()), 1_000);
    return null;
  },
  measure: ({ epoch, startedAt }: { epoch: number; startedAt: number }) => {
    recorder!.measure(epoch, startedAt);
    watch.reset();
  },
  counts: () => ({ ...recorder!.counts(), held: workers!.held() }),
  snapshot: () => ({ leases: recorder!.snapshot(), held: workers!.held(), process: watch.read() }),
  shutdown: async () => {
    clearInterval(ticker);
    await workers?.stop();
  },
});
