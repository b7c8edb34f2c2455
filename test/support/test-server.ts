import * as grpc from '@grpc/grpc-js';
import type { ClaimRequest } from '../../src/api/generated/codeq/v1/ClaimRequest.js';
import type { ClaimResponse__Output } from '../../src/api/generated/codeq/v1/ClaimResponse.js';
import type { CancelTaskRequest } from '../../src/api/generated/codeq/v1/CancelTaskRequest.js';
import type { CancelTaskResponse__Output } from '../../src/api/generated/codeq/v1/CancelTaskResponse.js';
import type { CompleteRequest } from '../../src/api/generated/codeq/v1/CompleteRequest.js';
import type { CompleteResponse__Output } from '../../src/api/generated/codeq/v1/CompleteResponse.js';
import type { EnqueueBatchRequest } from '../../src/api/generated/codeq/v1/EnqueueBatchRequest.js';
import type { EnqueueBatchResponse__Output } from '../../src/api/generated/codeq/v1/EnqueueBatchResponse.js';
import type { EnqueueRequest } from '../../src/api/generated/codeq/v1/EnqueueRequest.js';
import type { EnqueueResponse__Output } from '../../src/api/generated/codeq/v1/EnqueueResponse.js';
import type { GetTaskRequest } from '../../src/api/generated/codeq/v1/GetTaskRequest.js';
import type { Task__Output } from '../../src/api/generated/codeq/v1/Task.js';
import type { TaskServiceClient } from '../../src/api/generated/codeq/v1/TaskService.js';
import type { WorkerServiceClient } from '../../src/api/generated/codeq/v1/WorkerService.js';
import { codeqProto } from '../../src/api/proto.js';
import { serverConfig, type ServerConfig } from '../../src/config/server-config.js';
import type { LeaseStore } from '../../src/lease-store/lease-store.js';
import { CodeqServer, type CodeqServerDeps } from '../../src/server/codeq-server.js';

/** A real server on a free port of 127.0.0.1. */
export interface TestServer {
  server: CodeqServer;
  address: string;
  stop(): Promise<void>;
}

export async function startTestServer(
  store: LeaseStore,
  overrides: Partial<ServerConfig> = {},
  deps: Omit<CodeqServerDeps, 'store'> = {},
): Promise<TestServer> {
  const config = serverConfig({ listen: '127.0.0.1:0', drainGraceMs: 2_000, ...overrides });
  const server = new CodeqServer(config, { ownsStore: false, ...deps, store });
  await server.start();
  return { server, address: `127.0.0.1:${server.port}`, stop: () => server.stop() };
}

type Callback<Res> = (err: grpc.ServiceError | null, res?: Res) => void;

function promised<Res>(start: (cb: Callback<Res>) => unknown): Promise<Res> {
  return new Promise((resolve, reject) => {
    start((err, res) => (err ? reject(err) : resolve(res!)));
  });
}

/**
 * The generated clients of both services, for tests of the wire contract itself, with
 * their unary methods as promises.
 */
export function rawClients(address: string): {
  workers: WorkerServiceClient;
  enqueue(req: EnqueueRequest): Promise<EnqueueResponse__Output>;
  enqueueBatch(req: EnqueueBatchRequest): Promise<EnqueueBatchResponse__Output>;
  getTask(req: GetTaskRequest): Promise<Task__Output>;
  cancelTask(req: CancelTaskRequest): Promise<CancelTaskResponse__Output>;
  complete(req: CompleteRequest): Promise<CompleteResponse__Output>;
  close(): void;
} {
  const v1 = codeqProto().codeq.v1;
  const tasks: TaskServiceClient = new v1.TaskService(address, grpc.credentials.createInsecure());
  const workers: WorkerServiceClient = new v1.WorkerService(address, grpc.credentials.createInsecure());
  return {
    workers,
    enqueue: (req) => promised((cb) => tasks.Enqueue(req, cb)),
    enqueueBatch: (req) => promised((cb) => tasks.EnqueueBatch(req, cb)),
    getTask: (req) => promised((cb) => tasks.GetTask(req, cb)),
    cancelTask: (req) => promised((cb) => tasks.CancelTask(req, cb)),
    complete: (req) => promised((cb) => workers.Complete(req, cb)),
    close() {
      tasks.close();
      workers.close();
    },
  };
}

/** Waits for a call to fail and returns its status; fails the test if it succeeds. */
export async function rejection(call: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await call;
  } catch (err) {
    return err as grpc.ServiceError;
  }
  throw new Error('the call succeeded; expected an error');
}

/**
 * A raw Claim stream that records every response and how it ended, with a way to wait
 * for the next response matching a predicate.
 */
export class RawStream {
  readonly responses: ClaimResponse__Output[] = [];
  readonly stream: grpc.ClientDuplexStream<ClaimRequest, ClaimResponse__Output>;
  status: grpc.StatusObject | undefined;
  #waiters: (() => void)[] = [];

  constructor(workers: WorkerServiceClient) {
    this.stream = workers.Claim();
    this.stream.on('data', (msg: ClaimResponse__Output) => {
      this.responses.push(msg);
      this.#wake();
    });
    this.stream.on('status', (s: grpc.StatusObject) => {
      this.status = s;
      this.#wake();
    });
    this.stream.on('error', () => this.#wake());
  }

  send(msg: ClaimRequest): void {
    this.stream.write(msg);
  }

  /** Resolves with the first recorded response (from `from` on) that matches; fails after `timeoutMs`. */
  async next(
    match: (r: ClaimResponse__Output) => boolean,
    from = 0,
    timeoutMs = 5_000,
  ): Promise<ClaimResponse__Output> {
    return this.#until(() => this.responses.slice(from).find(match), timeoutMs, 'a matching response');
  }

  /** Resolves with the status the stream ended with. */
  async ended(timeoutMs = 5_000): Promise<grpc.StatusObject> {
    return this.#until(() => this.status, timeoutMs, 'the stream to end');
  }

  /** Every lease received so far, in order. */
  leases(): NonNullable<ClaimResponse__Output['leases']> {
    return this.responses.flatMap((r) => r.leases ?? []);
  }

  /** Every outcome received so far, in order. */
  outcomes(): NonNullable<ClaimResponse__Output['outcomes']> {
    return this.responses.flatMap((r) => r.outcomes ?? []);
  }

  async waitForLeases(
    count: number,
    timeoutMs = 5_000,
  ): Promise<NonNullable<ClaimResponse__Output['leases']>> {
    return this.#until(
      () => (this.leases().length >= count ? this.leases() : undefined),
      timeoutMs,
      `${count} leases`,
    );
  }

  async waitForOutcomes(
    count: number,
    timeoutMs = 5_000,
  ): Promise<NonNullable<ClaimResponse__Output['outcomes']>> {
    return this.#until(
      () => (this.outcomes().length >= count ? this.outcomes() : undefined),
      timeoutMs,
      `${count} outcomes`,
    );
  }

  close(): void {
    this.stream.cancel();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  async #until<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value !== undefined) return value;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(this.responses)} status ${JSON.stringify(this.status)}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}
