import * as grpc from '@grpc/grpc-js';
import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import type { ClaimResponse } from '../api/generated/codeq/v1/ClaimResponse.js';
import { codeqProto } from '../api/proto.js';
import type { ServerConfig } from '../config/server-config.js';
import { Dispatcher } from '../dispatcher/dispatcher.js';
import type { LeaseStore } from '../lease-store/lease-store.js';
import { ClaimPathTracer } from '../telemetry/claim-path-tracer.js';
import { CodeqMetrics } from '../telemetry/codeq-metrics.js';
import { silentLogger, type Logger } from '../telemetry/logger.js';
import { INSTRUMENTATION_SCOPE } from '../spans/semconv.js';
import { adminServiceHandlers } from './admin-service.js';
import { ServerSecurity } from './auth/server-security.js';
import type { ClaimStream } from './claim-stream.js';
import type { ServerContext } from './server-context.js';
import { EnqueueBatcher } from './enqueue-batcher.js';
import type { EnqueueStream } from './enqueue-stream.js';
import { ServerHealth } from './health.js';
import { SettleBatcher } from './settle-batcher.js';
import { taskServiceHandlers } from './task-service.js';
import { workerServiceHandlers } from './worker-service.js';

/**
 * Lifecycle of a server:
 * - INITIALIZED: built, not listening;
 * - RUNNING: serving both services;
 * - DRAINING: `stop()` was called: the listener is closed and open connections got
 *   GOAWAY, so new calls go elsewhere; streams were told to drain and get no more
 *   leases; calls and streams already open are still served;
 * - STOPPED: the listener is closed and the store released (when the server owns it).
 */
export type ServerState = 'INITIALIZED' | 'RUNNING' | 'DRAINING' | 'STOPPED';

export interface CodeqServerDeps {
  store: LeaseStore;
  /** Close the store on stop. Default true. */
  ownsStore?: boolean;
  logger?: Logger;
  /**
   * Traces the claim path (docs/design.md, "Claim path stages") with this provider. Default:
   * no tracing at all, not even no-op spans; pass `trace.getTracerProvider()` for the global one.
   */
  tracerProvider?: TracerProvider | undefined;
  /** Reports codeQ's metrics (codeq-metrics.ts) through this provider. Default: none. */
  meterProvider?: MeterProvider | undefined;
  /** Credentials, access control and listen rules. Default: built from `config` (server-security.ts). */
  security?: ServerSecurity;
}

const MiB = 1024 * 1024;

/** One codeQ replica: TaskService, WorkerService and AdminService over one lease store, with a dispatcher pushing leases. */
export class CodeqServer {
  private stateValue: ServerState = 'INITIALIZED';
  private readonly grpcServer: grpc.Server;
  private readonly sessions = new Set<ClaimStream>();
  private readonly enqueueStreams = new Set<EnqueueStream>();
  private readonly ctx: ServerContext;
  private readonly health: ServerHealth;
  private readonly security: ServerSecurity;
  private boundPort = 0;
  private stopping: Promise<void> | undefined;

  constructor(
    readonly config: ServerConfig,
    private readonly deps: CodeqServerDeps,
  ) {
    const logger = deps.logger ?? silentLogger;
    this.security = deps.security ?? new ServerSecurity(config, logger);
    const storeName = deps.store.constructor.name.replace(/Store$/, '').toLowerCase() || 'store';
    const tracer = deps.tracerProvider ? new ClaimPathTracer(deps.tracerProvider, storeName) : undefined;
    const metrics = new CodeqMetrics(deps.meterProvider?.getMeter(INSTRUMENTATION_SCOPE), {
      stats: (queue) => deps.store.stats(queue),
      queues: async () => (await deps.store.listQueues()).map((q) => q.queue),
      streams: () => {
        let credit = 0;
        for (const session of this.sessions) credit += session.unusedCredit;
        return { open: this.sessions.size, credit };
      },
    });
    const settler = new SettleBatcher(deps.store, undefined, { tracer, metrics });
    const dispatcher = new Dispatcher(deps.store, {
      settles: settler,
      claimBatch: config.claimBatch,
      readAhead: { max: config.readAhead, holdMs: config.readAheadHoldMs },
      sweepIntervalMs: config.sweepIntervalMs,
      logger,
      tracer,
      metrics,
    });
    const proto = codeqProto().codeq.v1;
    const workerService = proto.WorkerService.service;
    const claim = workerService.Claim;
    const encode = claim.responseSerialize as (message: ClaimResponse) => Buffer;
    this.ctx = {
      config,
      store: deps.store,
      dispatcher,
      settler,
      enqueuer: new EnqueueBatcher(deps.store, dispatcher),
      logger,
      tracer,
      metrics,
      access: this.security.access,
      encodeClaimResponse: encode,
      isDraining: () => this.stateValue !== 'RUNNING',
    };
    this.grpcServer = new grpc.Server({
      // A payload at the limit must fit in one message, with room for the rest of the request.
      'grpc.max_receive_message_length': Math.max(4 * MiB, config.maxPayloadBytes + MiB),
      'grpc.max_send_message_length': -1,
      // Find workers whose host vanished without closing the connection, so their leases
      // start the reconnect grace instead of waiting for their deadline.
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.http2.min_ping_interval_without_data_ms': 5_000,
    });
    this.grpcServer.addService(proto.TaskService.service, taskServiceHandlers(this.ctx, this.enqueueStreams));
    this.grpcServer.addService(proto.AdminService.service, adminServiceHandlers(this.ctx));
    // Claim streams write leases they encoded themselves (ClaimStream.sendLeases): pass
    // a Buffer through, encode anything else as usual.
    const passThrough = {
      ...workerService,
      Claim: {
        ...claim,
        responseSerialize: (value: ClaimResponse | Buffer) =>
          Buffer.isBuffer(value) ? value : encode(value),
      },
    };
    this.grpcServer.addService(passThrough, workerServiceHandlers(this.ctx, this.sessions));
    this.health = new ServerHealth(
      deps.store,
      logger,
      storeName === 'redis' ? 'Redis' : `${storeName} store`,
    );
    this.health.addToServer(this.grpcServer);
  }

  get state(): ServerState {
    return this.stateValue;
  }

  /** The port bound by `start()`: the real one when `listen` asked for port 0. */
  get port(): number {
    return this.boundPort;
  }

  /** Binds `config.listen` and starts serving. */
  async start(): Promise<void> {
    if (this.stateValue !== 'INITIALIZED')
      throw new Error(`cannot start a server in state ${this.stateValue}`);
    this.security.checkListen(this.config.listen);
    this.boundPort = await new Promise<number>((resolve, reject) => {
      this.grpcServer.bindAsync(this.config.listen, this.security.credentials, (err, port) =>
        err ? reject(err) : resolve(port),
      );
    });
    this.stateValue = 'RUNNING';
    this.health.start();
  }

  /**
   * Drains, then stops: streams are told to drain and end once their leases are settled,
   * or with UNAVAILABLE when `config.drainGraceMs` runs out; then the listener closes.
   */
  stop(): Promise<void> {
    this.stopping ??= this.drainAndStop();
    return this.stopping;
  }

  private async drainAndStop(): Promise<void> {
    if (this.stateValue === 'INITIALIZED') {
      this.ctx.dispatcher.stop();
      if (this.deps.ownsStore ?? true) await this.deps.store.close();
      this.stateValue = 'STOPPED';
      return;
    }
    this.stateValue = 'DRAINING';
    this.health.draining();
    // No new connection or call from now on (open connections get GOAWAY): workers and
    // producers reconnect to another replica at once, while the calls and streams already
    // open here finish.
    const closed = new Promise<void>((resolve) => this.grpcServer.tryShutdown(() => resolve()));
    for (const session of this.sessions) session.drain();
    const deadline = Date.now() + this.config.drainGraceMs;
    while (this.sessions.size > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, Math.min(50, Math.max(1, deadline - Date.now()))));
    }
    for (const session of this.sessions) session.terminate();
    // Leases held ahead of demand go back to their queues, for other replicas.
    await this.ctx.dispatcher.close();
    // Enqueue streams were served through the drain like unary calls; they end (OK) once
    // what they read is answered, and producers open their next stream elsewhere.
    for (const stream of this.enqueueStreams) stream.finish();
    const force = setTimeout(() => this.grpcServer.forceShutdown(), 2_000);
    await closed;
    clearTimeout(force);
    this.health.stop();
    if (this.deps.ownsStore ?? true) await this.deps.store.close();
    this.stateValue = 'STOPPED';
  }
}
