import { connect } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import type { ClaimRequest } from '../../src/api/generated/codeq/v1/ClaimRequest.js';
import type {
  ClaimResponse__Output,
  _codeq_v1_ClaimResponse_Lease__Output as LeaseMessage,
} from '../../src/api/generated/codeq/v1/ClaimResponse.js';
import type { WorkerServiceClient } from '../../src/api/generated/codeq/v1/WorkerService.js';
import { codeqProto } from '../../src/api/proto.js';
import { msToDuration } from '../../src/api/time.js';
import { decodeStamp, type Stamp } from '../core/stamp.js';
import type { LeaseRecorder } from './lease-recorder.js';
import type { LoadWorkers, WorkerSpec } from './load-workers.js';
import { streamQueue } from './queue-spread.js';
import { H2ClaimCall } from './h2-claim-call.js';

/** What a bench stream uses of a Claim call: grpc-js's duplex call, or H2ClaimCall. */
interface ClaimCall {
  write(message: ClaimRequest): boolean;
  end(): void;
  cancel(): void;
  on(event: 'data', listener: (message: ClaimResponse__Output) => void): unknown;
  on(event: 'status' | 'drain', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/** How the bench's raw streams reach the server: grpc-js's client, or a bare HTTP/2 session. */
export type StreamTransport = 'grpc-js' | 'h2';

/**
 * One Claim stream spoken directly over grpc-js or bare HTTP/2, the way ghz drives a gRPC
 * service: open with credit, record each lease, complete it (after the simulated work) and
 * grant one credit back in the same message, batched per event-loop turn. It hears every
 * outcome, so it can time the full cycle, and costs the shared CPU less than the full
 * client.
 */
class BenchStream {
  readonly #call: ClaimCall;
  /** Stamps of leases not yet acknowledged as completed, by lease id. */
  readonly #open = new Map<string, Stamp | undefined>();
  #completes: { leaseId: string }[] = [];
  #flushQueued = false;
  #writable = true;
  readonly opened: Promise<void>;
  readonly closed: Promise<void>;
  readonly #index: number;
  readonly #spec: WorkerSpec;
  readonly #recorder: LeaseRecorder;

  constructor(call: ClaimCall, index: number, spec: WorkerSpec, recorder: LeaseRecorder) {
    this.#index = index;
    this.#spec = spec;
    this.#recorder = recorder;
    this.#call = call;
    let opened!: () => void;
    let failed!: (err: Error) => void;
    this.opened = new Promise((resolve, reject) => {
      opened = resolve;
      failed = reject;
    });
    this.closed = new Promise((resolve) => this.#call.on('status', () => resolve()));
    this.#call.on('error', (err: Error) => failed(err));
    this.#call.on('drain', () => {
      this.#writable = true;
      this.#flush();
    });
    this.#call.on('data', (message: ClaimResponse__Output) => {
      if (message.opened) opened();
      for (const lease of message.leases) this.#lease(lease);
      for (const outcome of message.outcomes) {
        if (outcome.kind !== 'COMPLETE' || !outcome.leaseId) continue;
        const stamp = this.#open.get(outcome.leaseId);
        this.#open.delete(outcome.leaseId);
        if ((outcome.code ?? 0) === 0) this.#recorder.completed(stamp);
      }
    });
    this.#call.write({
      open: {
        workerId: `bench-${process.pid}-${index}`,
        queues: [streamQueue(spec, index)],
        leaseDuration: msToDuration(spec.leaseMs),
      },
      credit: spec.concurrency,
    });
  }

  get held(): number {
    return this.#open.size;
  }

  end(): void {
    this.#call.end();
  }

  cancel(): void {
    this.#call.cancel();
  }

  #lease(lease: LeaseMessage): void {
    const leaseId = lease.leaseId ?? '';
    const stamp = decodeStamp(lease.task?.payload);
    this.#recorder.lease(this.#index, stamp);
    this.#open.set(leaseId, stamp);
    if (this.#spec.hold) return;
    if (this.#spec.workMs > 0) setTimeout(() => this.#done(leaseId), this.#spec.workMs);
    else this.#done(leaseId);
  }

  #done(leaseId: string): void {
    this.#recorder.slotFreed(this.#index);
    this.#completes.push({ leaseId });
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    setImmediate(() => {
      this.#flushQueued = false;
      this.#flush();
    });
  }

  #flush(): void {
    if (!this.#writable || this.#completes.length === 0) return;
    const completes = this.#completes;
    this.#completes = [];
    this.#writable = this.#call.write({ completes, credit: completes.length });
  }
}

const OPEN_TIMEOUT_S = 120;

/**
 * `spec.streams` raw Claim streams on one connection, as many worker instances of one host
 * would hold: through grpc-js's client, or over a bare HTTP/2 session (h2-claim-call.ts).
 */
export class CodeqStreamWorkers implements LoadWorkers {
  readonly #newCall: () => ClaimCall;
  readonly #close: () => void;
  readonly #streams: BenchStream[] = [];
  readonly #spec: WorkerSpec;
  readonly #recorder: LeaseRecorder;

  constructor(address: string, spec: WorkerSpec, recorder: LeaseRecorder, transport: StreamTransport) {
    this.#spec = spec;
    this.#recorder = recorder;
    if (transport === 'h2') {
      const session = connect(`http://${address}`);
      session.on('error', () => {});
      this.#newCall = () => new H2ClaimCall(session);
      this.#close = () => session.close();
    } else {
      const { WorkerService } = codeqProto().codeq.v1;
      const client: WorkerServiceClient = new WorkerService(address, grpc.credentials.createInsecure());
      this.#newCall = () => client.Claim();
      this.#close = () => client.close();
    }
  }

  async start(): Promise<void> {
    for (let i = 0; i < this.#spec.streams; i++)
      this.#streams.push(new BenchStream(this.#newCall(), i, this.#spec, this.#recorder));
    // A stream the server never answers (a cap on streams per connection, say) would hang
    // the run: fail it, saying how many opened.
    let open = 0;
    const all = Promise.all(this.#streams.map((s) => s.opened.then(() => void open++)));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(`${open} of ${this.#streams.length} Claim streams opened within ${OPEN_TIMEOUT_S} s`),
          ),
        OPEN_TIMEOUT_S * 1000,
      );
    });
    try {
      await Promise.race([all, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  held(): number {
    return this.#streams.reduce((sum, s) => sum + s.held, 0);
  }

  async stop(): Promise<void> {
    for (const s of this.#streams) s.end();
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, 3_000).unref());
    await Promise.race([Promise.all(this.#streams.map((s) => s.closed)), timeout]);
    for (const s of this.#streams) s.cancel();
    this.#close();
  }
}
