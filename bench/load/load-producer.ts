import type { Stamp } from '../core/stamp.js';

/** The producer side of one system, running in a producer process. */
export interface LoadProducer {
  /** Adds one task carrying `stamp`; resolves once the system has stored it. */
  send(stamp: Stamp): Promise<void>;
  /** Adds many tasks in one call (prefill). */
  sendBatch(stamps: readonly Stamp[]): Promise<void>;
  close(): Promise<void>;
}

/** What every task of a producer looks like. */
export interface ProducerSpec {
  queue: string;
  /** Spread the tasks over this many queues in turn (queue-spread.ts); absent or 1: `queue` alone. */
  queues?: number;
  /** Payload size, bytes (the JSON size of the job data for BullMQ). */
  payloadBytes: number;
  /** Pass priorities to the system (BullMQ takes a slower path for prioritized jobs). */
  usePriorities: boolean;
  /**
   * codeQ only: EnqueueStream messages (`stream`), one unary Enqueue per task through
   * grpc-js (`unary`), through a bare HTTP/2 session (`h2-unary`) or through Python's
   * grpcio (`py-unary`, python-unary-producer.ts).
   */
  transport: 'stream' | 'unary' | 'h2-unary' | 'py-unary';
}
