/** How the worker side of a run behaves, whatever the system under test. */
export interface WorkerSpec {
  queue: string;
  /**
   * The tasks are spread over this many queues (queue-spread.ts), stream (or BullMQ Worker) i
   * claiming from queue (firstStream + i) mod queues; absent or 1: `queue` alone.
   */
  queues?: number;
  /** This process's first stream, counted over all worker processes (with `queues`). */
  firstStream?: number;
  /** Claim streams (codeQ) or Worker instances (BullMQ). */
  streams: number;
  /** Tasks each stream or instance works on at once. */
  concurrency: number;
  /** Simulated work per task, ms (0 = complete at once). */
  workMs: number;
  /** Lease length asked for, ms. */
  leaseMs: number;
  /** codeQ library Worker only: leases held ready beyond concurrency. */
  prefetch?: number;
  /** Keep every task leased and never complete it (footprint of outstanding leases). */
  hold: boolean;
}

/** The worker side of one system, running in a worker process. */
export interface LoadWorkers {
  /** Resolves once every stream is open and has its credit. */
  start(): Promise<void>;
  /** Leases held now (hold mode). */
  held(): number;
  stop(): Promise<void>;
}
