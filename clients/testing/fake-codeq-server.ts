/**
 * A scripted stand-in for the codeQ server, for client tests: a real grpc-js server on
 * port 0 whose WorkerService records every Claim stream and lets the test send leases,
 * outcomes, draining and errors by hand. Nothing here knows the real server's logic.
 */
import * as grpc from '@grpc/grpc-js';
import type { ClaimRequest__Output } from '../../src/api/generated/codeq/v1/ClaimRequest.js';
import type {
  ClaimResponse,
  _codeq_v1_ClaimResponse_Lease,
} from '../../src/api/generated/codeq/v1/ClaimResponse.js';
import type { CompleteRequest__Output } from '../../src/api/generated/codeq/v1/CompleteRequest.js';
import type { TaskServiceHandlers } from '../../src/api/generated/codeq/v1/TaskService.js';
import type { Task } from '../../src/api/generated/codeq/v1/Task.js';
import type { WorkerServiceHandlers } from '../../src/api/generated/codeq/v1/WorkerService.js';
import { codeqProto } from '../../src/api/proto.js';
import { msToDuration, msToTimestamp } from '../../src/api/time.js';

type ServerClaimCall = grpc.ServerDuplexStream<ClaimRequest__Output, ClaimResponse>;

/** Resolves when `predicate` holds, polling every few ms; rejects after `timeoutMs`. */
export async function eventually(predicate: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** One Claim stream as the fake server sees it. */
export class FakeClaimStream {
  /** Every ClaimRequest received, in order. */
  readonly requests: ClaimRequest__Output[] = [];
  /** The client half-closed the stream. */
  clientEnded = false;
  /** The stream is over (ended by either side, or cancelled). */
  closed = false;
  #cursor = 0;
  #nextLease = 1;

  constructor(
    readonly call: ServerClaimCall,
    readonly index: number,
  ) {
    call.on('data', (request: ClaimRequest__Output) => this.requests.push(request));
    call.on('end', () => {
      this.clientEnded = true;
      // As a real server does: once the worker half-closes, finish the call with OK.
      if (!this.closed) call.end();
    });
    call.on('cancelled', () => {
      this.closed = true;
    });
    call.on('error', () => {
      this.closed = true;
    });
    call.on('finish', () => {
      this.closed = true;
    });
  }

  /** Sum of `credit` over every request so far. */
  get creditGranted(): number {
    return this.requests.reduce((sum, r) => sum + (r.credit ?? 0), 0);
  }

  /** Every settle of one kind received on this stream, flattened. */
  all<K extends 'completes' | 'fails' | 'extends' | 'releases'>(kind: K): ClaimRequest__Output[K][number][] {
    return this.requests.flatMap((r) => r[kind] as ClaimRequest__Output[K][number][]);
  }

  /** Waits for the next request not yet returned by next() that matches `predicate`. */
  async next(
    predicate: (r: ClaimRequest__Output) => boolean = () => true,
    what = 'a ClaimRequest',
    timeoutMs = 5_000,
  ): Promise<ClaimRequest__Output> {
    let found: ClaimRequest__Output | undefined;
    await eventually(
      () => {
        while (this.#cursor < this.requests.length) {
          const r = this.requests[this.#cursor++]!;
          if (predicate(r)) {
            found = r;
            return true;
          }
        }
        return false;
      },
      `${what} on stream ${this.index}`,
      timeoutMs,
    );
    return found!;
  }

  send(response: ClaimResponse): void {
    this.call.write(response);
  }

  /** Answers the open as soon as the first request has arrived. */
  autoOpen(): void {
    if (this.requests.length > 0) this.open();
    else this.call.once('data', () => this.open());
  }

  /** Answers every settle from now on with an OK outcome, as a healthy server would. */
  autoAck(): void {
    this.call.on('data', (r: ClaimRequest__Output) => {
      const outcomes = [
        ...r.completes.map((c) => ({ leaseId: c.leaseId, kind: 'COMPLETE' as const, code: 0 })),
        ...r.fails.map((f) => ({ leaseId: f.leaseId, kind: 'FAIL' as const, code: 0 })),
        ...r.releases.map((x) => ({ leaseId: x.leaseId, kind: 'RELEASE' as const, code: 0 })),
        ...r.extends.map((e) => ({ leaseId: e.leaseId, kind: 'EXTEND' as const, code: 0 })),
      ];
      if (outcomes.length > 0 && !this.closed) this.send({ outcomes });
    });
  }

  /** Answers the open, echoing the lease duration the client asked for. */
  open(sessionId = `session-${this.index}`): void {
    const asked = this.requests[0]?.open?.leaseDuration;
    this.send({ opened: { sessionId, leaseDuration: asked ?? msToDuration(30_000) } });
  }

  /** A lease for a task built from `task` (defaults filled in); returns its lease id. */
  makeLease(task: Task = {}, leaseMs = 30_000): _codeq_v1_ClaimResponse_Lease & { leaseId: string } {
    const n = this.#nextLease++;
    const id = task.id ?? `t${this.index}-${n}`;
    const leaseId = `q/${id}/${n}`;
    return {
      leaseId,
      deadline: msToTimestamp(Date.now() + leaseMs),
      task: {
        id,
        queue: 'q',
        payload: Buffer.from(`payload ${n}`),
        attempt: 1,
        maxAttempts: 5,
        enqueueTime: msToTimestamp(Date.now() - 1000),
        ...task,
      },
    };
  }

  /** Sends `count` fresh leases in one message; returns their ids. */
  lease(count = 1, task: Task = {}): string[] {
    const leases = Array.from({ length: count }, () => this.makeLease(task));
    this.send({ leases });
    return leases.map((l) => l.leaseId);
  }

  /** Answers a settle with an outcome. */
  outcome(leaseId: string, kind: 'COMPLETE' | 'FAIL' | 'EXTEND' | 'RELEASE', code = 0, message = ''): void {
    this.send({ outcomes: [{ leaseId, kind, code, message }] });
  }

  /** Ends the stream with OK, or with an error status. */
  end(code: grpc.status = grpc.status.OK, details = ''): void {
    if (code === grpc.status.OK) this.call.end();
    else this.call.emit('error', Object.assign(new Error(details), { code, details }));
  }
}

function unimplemented<Req, Res>(): grpc.handleUnaryCall<Req, Res> {
  return (_call, callback) => callback({ code: grpc.status.UNIMPLEMENTED, details: 'not scripted' });
}

/** A bidi method the fake does not offer: the call ends UNIMPLEMENTED at once, as on a server without it. */
function unimplementedStream<Req, Res>(): grpc.handleBidiStreamingCall<Req, Res> {
  return (call) => call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'not scripted' });
}

/** What a started fake server offers the test. */
export interface FakeServer {
  address: string;
  /** Claim streams in the order they were opened. */
  streams: FakeClaimStream[];
  /** Unary Complete calls received. */
  completes: CompleteRequest__Output[];
  /** Waits for the `n`-th Claim stream (0-based). */
  stream(n: number, timeoutMs?: number): Promise<FakeClaimStream>;
  stop(): Promise<void>;
}

/**
 * Starts a fake codeQ on 127.0.0.1:0. `onClaim` runs for every new stream (default: none;
 * the test answers the open itself). `tasks` implements TaskService where a test needs it.
 */
export async function startFakeServer(
  options: {
    onClaim?: (stream: FakeClaimStream) => void;
    tasks?: Partial<TaskServiceHandlers>;
    complete?: WorkerServiceHandlers['Complete'];
    /** grpc-js server options, e.g. `grpc.max_concurrent_streams`. */
    serverOptions?: grpc.ServerOptions;
  } = {},
): Promise<FakeServer> {
  const proto = codeqProto().codeq.v1;
  const server = new grpc.Server(options.serverOptions);
  const streams: FakeClaimStream[] = [];
  const completes: CompleteRequest__Output[] = [];

  const worker: WorkerServiceHandlers = {
    Claim: (call) => {
      const stream = new FakeClaimStream(call, streams.length);
      streams.push(stream);
      options.onClaim?.(stream);
    },
    Complete:
      options.complete ??
      ((call, callback) => {
        completes.push(call.request);
        callback(null, {});
      }),
  };
  const tasks: TaskServiceHandlers = {
    Enqueue: unimplemented(),
    EnqueueBatch: unimplemented(),
    EnqueueStream: unimplementedStream(),
    GetTask: unimplemented(),
    CancelTask: unimplemented(),
    WaitTask: unimplemented(),
    ...options.tasks,
  };
  server.addService(proto.WorkerService.service, worker);
  server.addService(proto.TaskService.service, tasks);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );

  return {
    address: `127.0.0.1:${port}`,
    streams,
    completes,
    async stream(n, timeoutMs = 5_000) {
      await eventually(() => streams.length > n, `Claim stream ${n}`, timeoutMs);
      return streams[n]!;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.forceShutdown();
        resolve();
      }),
  };
}
