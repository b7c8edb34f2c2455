import * as grpc from '@grpc/grpc-js';
import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import type { ClaimResponse } from '../api/generated/codeq/v1/ClaimResponse.js';
import { codeqProto } from '../api/proto.js';
import type { ServerConfig } from '../config/server-config.js';
import { Dispatcher } from '../dispatcher/dispatcher.js';
import type { LeaseStore, StoreKind } from '../lease-store/lease-store.js';
import type { ClaimLatency } from '../telemetry/claim-latency.js';
import { ClaimPathTracer } from '../telemetry/claim-path-tracer.js';
import { CodeqMetrics } from '../telemetry/codeq-metrics.js';
import { silentLogger, type Logger } from '../telemetry/logger.js';
import { INSTRUMENTATION_SCOPE } from '../spans/semconv.js';
import { AdminOperations } from './admin-operations.js';
import { adminServiceHandlers } from './admin-service.js';
import { authInterceptor } from './auth/auth-interceptor.js';
import type { AccessControl } from './auth/access-control.js';
import { ServerSecurity } from './auth/server-security.js';
import { StoreRateLimits } from './auth/store-rate-limits.js';
import type { ClaimStream } from './claim-stream.js';
import type { ServerContext } from './server-context.js';
import type { EnqueueStream } from './enqueue-stream.js';
import { ServerHealth } from './health.js';
import { ServerLimits } from './server-limits.js';
import { maxRequestBytes } from '../domain/task.js';
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

/** What a {@link CodeqServer} is built on: its store, and optionally its logger, telemetry and settings. */
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
  /**
   * Times every claim into these histograms and slow-claim buffer, and counts tasks per
   * queue, whatever tracing and metrics do: what the web console shows. Default: none.
   */
  claimLatency?: ClaimLatency | undefined;
}

/** After the drain, how long open connections get to close before they are destroyed. */
const FORCE_CLOSE_MS = 2_000;
/** How long stop() waits for the listener to report closed before it goes on without it. */
const GIVE_UP_CLOSE_MS = 5_000;

/** One codeQ replica: TaskService, WorkerService and AdminService over one lease store, with a dispatcher pushing leases. */
export class CodeqServer {
  #stateValue: ServerState = 'INITIALIZED';
  readonly #grpcServer: grpc.Server;
  readonly #sessions = new Set<ClaimStream>();
  readonly #enqueueStreams = new Set<EnqueueStream>();
  readonly #ctx: ServerContext;
  readonly #health: ServerHealth;
  readonly #security: ServerSecurity;
  /** The lease store's kind (`LeaseStore.kind`): names its spans and the health check's message. */
  readonly storeName: StoreKind;
  /** The operator's operations (queues, task listings, redrive, purge, pause), as AdminService serves them. */
  readonly admin: AdminOperations;
  #boundPort = 0;
  #stopping: Promise<void> | undefined;
  readonly #deps: CodeqServerDeps;

  constructor(
    readonly config: ServerConfig,
    deps: CodeqServerDeps,
  ) {
    this.#deps = deps;
    const logger = deps.logger ?? silentLogger;
    this.#security = deps.security ?? new ServerSecurity(config, logger);
    const storeName = deps.store.kind;
    this.storeName = storeName;
    const tracer =
      deps.tracerProvider || deps.claimLatency
        ? new ClaimPathTracer(deps.tracerProvider, storeName, deps.claimLatency)
        : undefined;
    const meter = deps.meterProvider?.getMeter(INSTRUMENTATION_SCOPE);
    const metrics = new CodeqMetrics(
      meter,
      {
        stats: (queue) => deps.store.stats(queue),
        // Only as many as get series: a scrape costs no store read per queue beyond the cap.
        queues: async (limit) => (await deps.store.listQueues({ limit })).map((q) => q.queue),
        maxQueues: config.metricsMaxQueues,
        streams: () => {
          let credit = 0;
          for (const session of this.#sessions) credit += session.unusedCredit;
          return { open: this.#sessions.size, credit, bufferedBytes: this.#ctx.limits.buffers.heldBytes };
        },
      },
      { count: deps.claimLatency !== undefined },
    );
    const dispatcher = new Dispatcher(deps.store, {
      claimBatch: config.claimBatch,
      readAhead: { max: config.readAhead, holdMs: config.readAheadHoldMs },
      settleHoldMs: config.settleHoldMs,
      sweepIntervalMs: config.sweepIntervalMs,
      logger,
      tracer,
      metrics,
    });
    const proto = codeqProto().codeq.v1;
    const workerService = proto.WorkerService.service;
    const claim = workerService.Claim;
    const encode = claim.responseSerialize as (message: ClaimResponse) => Buffer;
    // A store shared by replicas (Redis) counts enqueue rate limits for all of them.
    const chargeRate = deps.store.chargeRate?.bind(deps.store);
    if (chargeRate) this.#security.access.shareRateLimits(new StoreRateLimits(chargeRate));
    this.#ctx = {
      config,
      store: deps.store,
      dispatcher,
      settler: dispatcher.calls,
      enqueuer: dispatcher.calls,
      logger,
      tracer,
      metrics,
      access: this.#security.access,
      limits: new ServerLimits({
        maxStreams: config.maxStreams,
        maxWaits: config.maxWaits,
        maxBufferedBytes: config.maxBufferedBytes,
      }),
      encodeClaimResponse: encode,
      isDraining: () => this.#stateValue !== 'RUNNING',
    };
    this.#grpcServer = new grpc.Server({
      // A payload at the limit must fit in one message, with room for the rest of the request.
      'grpc.max_receive_message_length': maxRequestBytes(config.maxPayloadBytes),
      'grpc.max_send_message_length': -1,
      // Find workers whose host vanished without closing the connection, so their leases
      // start the reconnect grace instead of waiting for their deadline.
      'grpc.keepalive_time_ms': 10_000,
      'grpc.keepalive_timeout_ms': 5_000,
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.http2.min_ping_interval_without_data_ms': 5_000,
      // Bounds what one connection can open at once, authenticated or not; a caller past
      // it waits for a stream to end (its HTTP/2 library queues the call).
      'grpc.max_concurrent_streams': config.maxConcurrentStreams,
      // grpc-js keeps per-call and per-message counters and timestamps for channelz, a
      // debugging service codeQ does not serve: every call and message paid for them.
      'grpc.enable_channelz': 0,
      // Unauthenticated calls are refused on their metadata, before their body is read.
      // With auth off there is nothing to check, and an interceptor would still wrap every
      // call and every message of every stream in one more layer.
      interceptors: this.#security.access.enabled ? [authInterceptor(this.#security.access, logger)] : [],
    });
    this.admin = new AdminOperations(this.#ctx);
    this.#grpcServer.addService(
      proto.TaskService.service,
      taskServiceHandlers(this.#ctx, this.admin, this.#enqueueStreams),
    );
    this.#grpcServer.addService(proto.AdminService.service, adminServiceHandlers(this.#ctx, this.admin));
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
    this.#grpcServer.addService(passThrough, workerServiceHandlers(this.#ctx, this.#sessions));
    this.#health = new ServerHealth(
      deps.store,
      logger,
      storeName === 'redis' ? 'Redis' : `${storeName} store`,
    );
    this.#health.addToServer(this.#grpcServer);
  }

  /** Who may do what; shared with the web console, which checks its requests with it. */
  get access(): AccessControl {
    return this.#ctx.access;
  }

  /** The per-queue task counters (enqueued, leased, completed ...) of this replica. */
  get metrics(): CodeqMetrics {
    return this.#ctx.metrics;
  }

  get state(): ServerState {
    return this.#stateValue;
  }

  /** The port bound by `start()`: the real one when `listen` asked for port 0. */
  get port(): number {
    return this.#boundPort;
  }

  /** Binds `config.listen` and starts serving. */
  async start(): Promise<void> {
    if (this.#stateValue !== 'INITIALIZED')
      throw new Error(`cannot start a server in state ${this.#stateValue}`);
    this.#security.checkListen(this.config.listen);
    this.#boundPort = await new Promise<number>((resolve, reject) => {
      this.#grpcServer.bindAsync(this.config.listen, this.#security.credentials, (err, port) =>
        err ? reject(err) : resolve(port),
      );
    });
    this.#stateValue = 'RUNNING';
    this.#health.start();
  }

  /**
   * Drains, then stops: streams are told to drain and end once their leases are settled,
   * or with UNAVAILABLE when `config.drainGraceMs` runs out; then the listener closes.
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#drainAndStop();
    return this.#stopping;
  }

  async #drainAndStop(): Promise<void> {
    if (this.#stateValue === 'INITIALIZED') {
      this.#ctx.dispatcher.stop();
      if (this.#deps.ownsStore ?? true) await this.#deps.store.close();
      this.#stateValue = 'STOPPED';
      return;
    }
    this.#stateValue = 'DRAINING';
    this.#health.draining();
    // No new connection or call from now on (open connections get GOAWAY): workers and
    // producers reconnect to another replica at once, while the calls and streams already
    // open here finish.
    const closed = new Promise<void>((resolve) => this.#grpcServer.tryShutdown(() => resolve()));
    for (const session of this.#sessions) session.drain();
    const deadline = Date.now() + this.config.drainGraceMs;
    while (this.#sessions.size > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, Math.min(50, Math.max(1, deadline - Date.now()))));
    }
    for (const session of this.#sessions) session.terminate();
    // Leases held ahead of demand go back to their queues, for other replicas.
    await this.#ctx.dispatcher.close();
    // Enqueue streams were served through the drain like unary calls; they end (OK) once
    // what they read is answered, and producers open their next stream elsewhere.
    for (const stream of this.#enqueueStreams) stream.finish();
    const force = setTimeout(() => this.#grpcServer.forceShutdown(), FORCE_CLOSE_MS);
    // A peer behind a frozen network never acknowledges the close, and grpc-js then never
    // reports the listener closed, even after forceShutdown: wait a bounded time, then go on.
    let giveUp: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([
      closed.then(() => true),
      new Promise<boolean>((resolve) => (giveUp = setTimeout(() => resolve(false), GIVE_UP_CLOSE_MS))),
    ]);
    clearTimeout(force);
    clearTimeout(giveUp);
    if (!inTime) {
      this.#ctx.logger.warn(
        `stopping with connections still open ${GIVE_UP_CLOSE_MS} ms after the drain: their peers stopped reading`,
      );
    }
    this.#health.stop();
    if (this.#deps.ownsStore ?? true) await this.#deps.store.close();
    this.#stateValue = 'STOPPED';
  }
}
