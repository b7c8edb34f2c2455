import type * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as healthProtoPath, type ServingStatus } from 'grpc-health-check';
import { codeqPackageDefinition } from '../api/proto.js';
import type { LeaseStore } from '../lease-store/lease-store.js';
import type { Logger } from '../telemetry/logger.js';

/** The services whose health is reported: the whole server ("") and each codeQ service. */
export const HEALTH_SERVICES = [
  '',
  'codeq.v1.TaskService',
  'codeq.v1.WorkerService',
  'codeq.v1.AdminService',
] as const;

/** A task lookup that finds nothing: every store answers it, and it writes nothing. */
const PROBE_QUEUE = 'codeq.health';
const PROBE_TASK_ID = 'probe';

/** Options of {@link ServerHealth}. */
export interface ServerHealthOptions {
  /** How often the store is asked whether it answers, in milliseconds. Default 1000. */
  probeIntervalMs?: number;
  /** Fewest milliseconds between two "lost" / "back" log lines. Default 5000. */
  minLogGapMs?: number;
}

/**
 * The standard `grpc.health.v1.Health` service and gRPC server reflection for one server,
 * and the one place that tells an operator the store went away and came back.
 *
 * Health: NOT_SERVING until `start()`, then SERVING while the store answers a probe
 * (every `probeIntervalMs`), NOT_SERVING while it does not, and NOT_SERVING for good from
 * `draining()` on, so that a load balancer stops sending new work to a replica that is
 * shutting down. Each change of the store's state is logged once (at most one line per
 * `minLogGapMs`; a change within the gap is logged when the gap ends, if it still holds),
 * so an outage costs two log lines, not one per failed call.
 */
export class ServerHealth {
  readonly #health = new HealthImplementation(
    Object.fromEntries(HEALTH_SERVICES.map((s) => [s, 'NOT_SERVING'])),
  );
  readonly #probeIntervalMs: number;
  readonly #minLogGapMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #draining = false;
  /** Whether the last probe was answered; undefined before the first. */
  #storeUp: boolean | undefined;
  /** What the log last said, and when. */
  #loggedUp = true;
  #loggedAt = -Infinity;
  #downSince = 0;
  #lastError = '';
  readonly #store: LeaseStore;
  readonly #logger: Logger;
  readonly #storeLabel: string;

  constructor(
    store: LeaseStore,
    logger: Logger,
    /** Name of the store in log lines: `Redis`, `memory store`. */
    storeLabel: string,
    options: ServerHealthOptions = {},
  ) {
    this.#store = store;
    this.#logger = logger;
    this.#storeLabel = storeLabel;
    this.#probeIntervalMs = options.probeIntervalMs ?? 1_000;
    this.#minLogGapMs = options.minLogGapMs ?? 5_000;
  }

  /** Adds the health service, and reflection describing codeQ's services and the health service, to `server`. */
  addToServer(server: grpc.Server): void {
    this.#health.addToServer(server);
    const described = { ...codeqPackageDefinition(), ...loadSync(healthProtoPath) };
    new ReflectionService(described).addToServer(server);
  }

  /** The server listens: probe the store, and report SERVING while it answers. */
  start(): void {
    this.#running = true;
    void this.#probe();
  }

  /** The server drains: NOT_SERVING from now on. */
  draining(): void {
    this.#draining = true;
    this.#publish();
  }

  /** The server stopped: no more probes. */
  stop(): void {
    this.#running = false;
    this.#draining = true;
    clearTimeout(this.#timer);
    this.#publish();
  }

  async #probe(): Promise<void> {
    if (!this.#running) return;
    let up: boolean;
    try {
      await this.#store.getTask(PROBE_QUEUE, PROBE_TASK_ID);
      up = true;
    } catch (err) {
      // Redis's own refusal (LOADING, READONLY, ...) helps the operator; a client library's
      // retry bookkeeping does not, and a lost connection is what "lost" says already.
      const cause = err instanceof Error && err.cause instanceof Error ? err.cause : undefined;
      this.#lastError = cause?.name === 'ReplyError' ? cause.message : '';
      up = false;
    }
    // A probe that was in flight when the server stopped says nothing about the store.
    if (!this.#running) return;
    this.#observe(up);
    this.#timer = setTimeout(() => void this.#probe(), this.#probeIntervalMs);
    this.#timer.unref();
  }

  #observe(up: boolean): void {
    if (up !== this.#storeUp) {
      if (!up) this.#downSince = Date.now();
      this.#storeUp = up;
      this.#publish();
    }
    this.#logChange();
  }

  #logChange(): void {
    const up = this.#storeUp ?? true;
    if (up === this.#loggedUp) return;
    const now = Date.now();
    if (now - this.#loggedAt < this.#minLogGapMs) return;
    this.#loggedUp = up;
    this.#loggedAt = now;
    if (up) {
      const seconds = ((now - this.#downSince) / 1000).toFixed(1);
      this.#logger.warn(`${this.#storeLabel} back; serving again`, { down_for: `${seconds}s` });
    } else {
      this.#logger.error(
        `${this.#storeLabel} lost; calls fail with UNAVAILABLE until it is back`,
        this.#lastError ? { reply: this.#lastError } : undefined,
      );
    }
  }

  #publish(): void {
    const status: ServingStatus =
      this.#running && !this.#draining && this.#storeUp === true ? 'SERVING' : 'NOT_SERVING';
    for (const service of HEALTH_SERVICES) this.#health.setStatus(service, status);
  }
}
