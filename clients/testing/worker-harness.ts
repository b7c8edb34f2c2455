/** Shared setup of the worker tests: a fake server, a worker on it, and cleanup of both. */
import { Worker } from '../worker.js';
import type { WorkerLogger, WorkerOptions } from '../worker-options.js';
import { startFakeServer, type FakeClaimStream, type FakeServer } from './fake-codeq-server.js';

/** A logger that keeps what it is told, so tests can check real problems were reported. */
export class RecordingLogger implements WorkerLogger {
  readonly warnings: string[] = [];
  warn(message: string): void {
    this.warnings.push(message);
  }
}

/** A promise with its resolve function, for handlers the test releases by hand. */
export function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** A Worker wired to a fake server, with what a test drives and reads of both. */
export interface Harness {
  server: FakeServer;
  worker: Worker;
  logger: RecordingLogger;
  /** The first Claim stream, already answered with `opened` when `autoOpen` is on. */
  stream: FakeClaimStream;
}

const cleanups: (() => Promise<void>)[] = [];

/**
 * Starts a fake server and a worker against it, then the worker. Every stream the server
 * sees is answered with `opened` unless `autoOpen` is false, and every settle with an OK
 * outcome unless `autoAck` is false. Call {@link cleanup} after each test.
 */
export async function startWorker(
  options: Partial<WorkerOptions> & Pick<WorkerOptions, 'handler'>,
  {
    autoOpen = true,
    autoAck = true,
    onClaim,
  }: { autoOpen?: boolean; autoAck?: boolean; onClaim?: (stream: FakeClaimStream) => void } = {},
): Promise<Harness> {
  const server = await startFakeServer({
    onClaim: (stream) => {
      if (autoOpen) stream.autoOpen();
      if (autoAck) stream.autoAck();
      onClaim?.(stream);
    },
  });
  const logger = new RecordingLogger();
  const worker = new Worker({
    address: server.address,
    queues: ['q'],
    logger,
    reconnectInitialBackoffMs: 10,
    reconnectMaxBackoffMs: 50,
    settleTimeoutMs: 2_000,
    ...options,
  });
  cleanups.push(async () => {
    await worker.stop();
    await server.stop();
  });
  await worker.start();
  return { server, worker, logger, stream: await server.stream(0) };
}

/** Stops every worker and server the test started. */
export async function cleanup(): Promise<void> {
  for (const fn of cleanups.splice(0).reverse()) await fn();
}
