/** The systems codeQ can be compared with. */
export type PeerName = 'bullmq' | 'rabbitmq';

/** Every knob of a bench run; scenarios fill in their own defaults for what is left unset. */
export interface BenchOptions {
  scenario: string;
  /** Measured duration, s. */
  duration: number;
  /** Offered load, tasks/s. */
  rate: number;
  /** Worker streams (BullMQ: Worker instances). */
  streams: number;
  /** Tasks each stream works on at once. */
  concurrency: number;
  /** Simulated work per task, ms. */
  workMs: number;
  /** Payload bytes per task. */
  payloadBytes: number;
  /** Warm-up before measuring, s (not measured). */
  warmup: number;
  /** Peers run after codeQ in the same run: BullMQ (on the same Redis), RabbitMQ (the local broker). */
  compare: PeerName[];
  /** Print the result as JSON instead of tables. */
  json: boolean;
  /** Print tables as Markdown (for BENCHMARKS.md). */
  markdown: boolean;
  /** No progress line. */
  quiet: boolean;
  /** Write a CPU profile of the codeQ server (`--cpu-prof`) into the results directory. */
  profile: boolean;
  /** Producer processes; the rate is split among them. */
  producers: number;
  /** Worker processes; the streams are split among them. */
  workerProcs: number;
  /**
   * codeQ producer side: one message per task on a long-lived EnqueueStream (`stream`, the
   * Producer's default) or one unary Enqueue call per task (`unary`, how a service in
   * another language calls codeQ), through grpc-js, a bare HTTP/2 session (`h2-unary`) or
   * Python's grpcio (`py-unary`).
   */
  producer: 'stream' | 'unary' | 'h2-unary' | 'py-unary';
  /**
   * codeQ worker side: raw Claim streams through grpc-js (`raw`), the same over a bare
   * HTTP/2 session (`h2`), or the client library's Worker (`lib`).
   */
  client: 'raw' | 'h2' | 'lib';
  /**
   * Pin the service side (codeQ server and Redis) to core 0 and the load generators to
   * core 1 (`taskset`), to see the service's latency apart from the clients' CPU.
   * The RabbitMQ broker is not the bench's own and is left unpinned.
   */
  pin: boolean;
  /** `--client lib`: the Worker's `prefetch` option (leases held ready beyond concurrency). */
  prefetch: number;
  /** Task count (burst, throughput prefill, footprint). */
  tasks: number;
  /** Fairness keys the producers spread tasks over, in turn (`k0`, `k1`, ...); 0: none (the default key). */
  keys: number;
  /**
   * Queues the tasks are spread over (`bench-0`, `bench-1`, ... in turn), worker stream i
   * claiming from queue i mod N (codeQ and BullMQ, whose Worker instances are then at least N;
   * never more queues than streams); 1: one queue.
   */
  queues: number;
  /** Queue depths of the prefill scenario. */
  depths: number[];
  /** Rate steps of the knee scenario, tasks/s. */
  rates: number[];
  /** Length of one knee step, s. */
  stepDuration: number;
  /** Worker concurrencies of the throughput scenario. */
  concurrencies: number[];
  /** Operations per micro-benchmark case. */
  ops: number;
  /** Stores of the micro scenario: memory, redis. */
  stores: string[];
  /** Calls the floor scenario measures: unary, py-unary, stream, evalsha. */
  floorCalls: string[];
  /** Concurrency levels of the micro scenario. */
  parallel: number[];
  /** Directory for JSON results, charts and profiles. */
  out: string;
  /** Node flags for the codeQ server process. */
  serverNodeFlags: string[];
  /** Tracing and metrics of the codeQ server: off (as a bare `codeq serve`), traces, metrics, all. */
  serverTelemetry: 'off' | 'traces' | 'metrics' | 'all';
  /** Keep the web console's figures in the server (as `codeq serve` does unless --no-console). */
  serverConsole: boolean;
  /** Server `claimBatch` (most tasks one claim takes). */
  claimBatch: number | undefined;
  /** Server `readAhead` (leases claimed ahead of demand per queue; 0: off); unset: the server default. */
  readAhead: number | undefined;
  /** Server `readAheadHoldMs` (longest a lease claimed ahead is held); unset: the server default. */
  readAheadHoldMs: number | undefined;
  /** Run the short baseline check instead of a scenario (bench/check/). */
  checkBaseline: boolean;
  /** Run the scorecard instead of a scenario (bench/check/run-scorecard.ts). */
  scorecard: boolean;
  /** With scorecard: how many times its set runs; each target is judged by the median. */
  rounds: number;
  /** With checkBaseline: write the run to bench/baseline.json. */
  updateBaseline: boolean;
  /** BullMQ Worker instances sharing the slots; unset: one per worker process. */
  bullmqInstances: number | undefined;
  /** Enqueues in flight per producer process, at most. */
  maxInflight: number;
  /** Seed of the task mix. */
  seed: number;
  /** How long to wait for the workers to receive every task after sending stops, s. */
  drainTimeout: number;
  /** Lease duration workers ask for, ms. */
  leaseMs: number;
}

/** Defaults every scenario starts from. */
export const BASE_OPTIONS: BenchOptions = {
  scenario: '',
  duration: 60,
  rate: 1_000,
  streams: 100,
  concurrency: 1,
  workMs: 0,
  keys: 0,
  queues: 1,
  payloadBytes: 100,
  warmup: 3,
  compare: [],
  json: false,
  markdown: false,
  quiet: false,
  profile: false,
  producers: 1,
  workerProcs: 1,
  client: 'raw',
  producer: 'stream',
  prefetch: 0,
  pin: false,
  tasks: 10_000,
  depths: [0, 10_000, 1_000_000],
  rates: [1_000, 2_500, 5_000, 7_500, 10_000, 12_500, 15_000, 20_000, 25_000, 30_000],
  stepDuration: 5,
  concurrencies: [1, 50, 200],
  ops: 20_000,
  stores: ['memory', 'redis'],
  floorCalls: ['unary', 'py-unary', 'stream', 'evalsha'],
  parallel: [1, 64],
  out: 'bench/results',
  serverNodeFlags: [],
  serverTelemetry: 'off',
  serverConsole: false,
  claimBatch: undefined,
  readAhead: undefined,
  readAheadHoldMs: undefined,
  checkBaseline: false,
  scorecard: false,
  rounds: 1,
  updateBaseline: false,
  bullmqInstances: undefined,
  maxInflight: 2_000,
  seed: 1,
  drainTimeout: 30,
  leaseMs: 60_000,
};
