import { hostname } from 'node:os';
import * as grpc from '@grpc/grpc-js';
import { trace, type TracerProvider } from '@opentelemetry/api';
import { resolveKeepalive, clientChannelOptions, type KeepaliveOptions } from './keepalive.js';
import { withBearerToken } from './credentials.js';
import type { TaskHandler } from './worker-task.js';

/** Where the worker reports what it cannot report through an exception or an event. */
export interface WorkerLogger {
  /** Real problems: a lease lost, work abandoned at shutdown, a server that breaks the protocol. */
  warn(message: string, meta?: Record<string, unknown>): void;
  /** Routine events (reconnects, draining). Dropped when absent. */
  debug?(message: string, meta?: Record<string, unknown>): void;
}

/**
 * Options of {@link Worker}. Durations are milliseconds. Give `address`, `addresses`, or both
 * (`address` is then tried first). Keepalive is on by default ({@link KeepaliveOptions}).
 */
export interface WorkerOptions extends KeepaliveOptions {
  /**
   * The codeQ server: `host:port`, a load balancer in front of several replicas, or any
   * grpc-js target, e.g. `dns:///codeq.internal:7070` for a name that resolves to every
   * replica (grpc-js connects to the first address that answers and moves on when it fails).
   */
  address?: string;
  /**
   * Several codeQ servers (each in the form of `address`). The worker holds its stream on
   * one, in list order, and moves to the next whenever its stream ends (the server failed,
   * drained or could not be reached), after the reconnect backoff. Leases are not tied to a
   * server: those held across the move are settled on the next one.
   */
  addresses?: string[];
  /** Channel credentials. Default: insecure (plaintext); `tlsCredentials()` builds TLS ones. */
  credentials?: grpc.ChannelCredentials;
  /**
   * Extra grpc-js channel options, applied to the channel of every address; a key set here
   * wins over the one the worker derives from its own options. Default: none.
   */
  channelOptions?: grpc.ChannelOptions;
  /** Bearer token (static token or JWT) sent on every call. Default: none. */
  token?: string;
  /** Queues to take tasks from, at least one. */
  queues: string[];
  /** The handler: runs once per leased task. */
  handler: TaskHandler;
  /**
   * Handlers that may run at the same time; also the most leases the worker holds, and the
   * credit it grants. Default 1. A server keeps at most its `--max-stream-credit` (default
   * 1,000) of that credit unused: above it, the worker gets that many leases at a time.
   */
  concurrency?: number;
  /**
   * Leases held ready beyond `concurrency`, in the order they came, so a handler that ends
   * starts the next task at once instead of after a round trip to the server. Default 0.
   *
   * The trade-off: a prefetched task is leased to this worker while it waits, so another
   * worker with a free slot cannot take it, and one slow handler delays the tasks queued
   * behind it. Its lease clock runs (the worker extends waiting leases as it does running
   * ones); stop() releases the ones not started at once, without counting an attempt.
   * Worth it for short tasks (milliseconds), where the round trip is a large share of each.
   */
  prefetch?: number;
  /** Lease length to ask for, in ms. The server may clamp it (1 s – 12 h). Default 30 000 (30 s). */
  leaseDurationMs?: number;
  /** Free-form worker name for the server's logs and traces. Default `${hostname}-${pid}`. */
  workerId?: string;
  /** First reconnect delay bound, in ms; the bound doubles per failed attempt. Default 100. */
  reconnectInitialBackoffMs?: number;
  /**
   * Largest reconnect delay bound, in ms; also the longest the connection waits between
   * attempts to connect (give or take grpc-js's 20 % jitter), so a server back from an
   * outage is found about that soon. Default 10 000 (10 s).
   */
  reconnectMaxBackoffMs?: number;
  /** How long stop() lets running handlers finish before it aborts them, in ms. Default 30 000 (30 s). */
  shutdownGraceMs?: number;
  /**
   * How long stop() waits for the server to acknowledge the final settles, and for the
   * stream to close, in ms. Default 5 000 (5 s).
   */
  settleTimeoutMs?: number;
  /**
   * Warns through `logger` when a stream has neither opened nor ended this long after the
   * worker asked for it, in ms: the server has not answered, or the stream waits in the
   * client behind the server's per-connection stream cap (`--max-concurrent-streams`,
   * shared by the Workers and clients of one process on one connection). Default 10 000.
   */
  openWarningMs?: number;
  /** Default: `console.warn` for real problems, nothing for routine events. */
  logger?: WorkerLogger;
  /**
   * Where the `codeq.process` and `codeq.settle` spans go. Default: the global provider
   * (`trace.getTracerProvider()`), which makes no-op spans until an SDK registers one.
   */
  tracerProvider?: TracerProvider;
}

/** The most leases a worker may ask for at once, `concurrency` plus `prefetch`. */
export const MAX_WORKER_LEASES = 0xffff;

/** {@link WorkerOptions} with every default filled in and checked. */
export interface ResolvedWorkerOptions {
  /** Every server target, `address` first; at least one. */
  addresses: string[];
  credentials: grpc.ChannelCredentials;
  /** The caller's channel options over the keepalive ones. */
  channelOptions: grpc.ChannelOptions;
  keepaliveTimeMs: number;
  keepaliveTimeoutMs: number;
  queues: string[];
  handler: TaskHandler;
  concurrency: number;
  prefetch: number;
  leaseDurationMs: number;
  workerId: string;
  reconnectInitialBackoffMs: number;
  reconnectMaxBackoffMs: number;
  shutdownGraceMs: number;
  settleTimeoutMs: number;
  openWarningMs: number;
  logger: WorkerLogger;
  tracerProvider: TracerProvider;
}

const consoleLogger: WorkerLogger = {
  warn: (message, meta) => {
    if (meta) console.warn(`codeq worker: ${message}`, meta);
    else console.warn(`codeq worker: ${message}`);
  },
};

/**
 * Fills in defaults and rejects options that cannot work locally (a TypeError naming the
 * option). Limits the server owns, such as the lease-duration range or queue-name rules,
 * are left to the server, which names the field in its INVALID_ARGUMENT.
 */
export function resolveWorkerOptions(options: WorkerOptions): ResolvedWorkerOptions {
  if (options.address !== undefined && (typeof options.address !== 'string' || options.address === ''))
    throw new TypeError('address: must be a non-empty host:port');
  if (
    options.addresses !== undefined &&
    (!Array.isArray(options.addresses) || options.addresses.some((a) => typeof a !== 'string' || a === ''))
  )
    throw new TypeError('addresses: must be a list of non-empty host:port');
  // The same server twice would only make a failover land where it failed.
  const addresses = [
    ...new Set([...(options.address ? [options.address] : []), ...(options.addresses ?? [])]),
  ];
  if (addresses.length === 0) throw new TypeError('address: or addresses: must name at least one server');
  if (!Array.isArray(options.queues) || options.queues.length === 0)
    throw new TypeError('queues: must name at least one queue');
  if (typeof options.handler !== 'function') throw new TypeError('handler: must be a function');
  const keepalive = resolveKeepalive(options);
  const reconnectMaxBackoffMs = options.reconnectMaxBackoffMs ?? 10_000;
  const resolved: ResolvedWorkerOptions = {
    addresses,
    credentials: options.credentials ?? grpc.credentials.createInsecure(),
    channelOptions: withBearerToken(
      // The channel's own connection attempts keep the same bound as the worker's.
      clientChannelOptions(keepalive, options.channelOptions, reconnectMaxBackoffMs),
      options.token,
    ),
    ...keepalive,
    queues: [...options.queues],
    handler: options.handler,
    concurrency: options.concurrency ?? 1,
    prefetch: options.prefetch ?? 0,
    leaseDurationMs: options.leaseDurationMs ?? 30_000,
    workerId: options.workerId ?? `${hostname()}-${process.pid}`,
    reconnectInitialBackoffMs: options.reconnectInitialBackoffMs ?? 100,
    reconnectMaxBackoffMs,
    shutdownGraceMs: options.shutdownGraceMs ?? 30_000,
    settleTimeoutMs: options.settleTimeoutMs ?? 5_000,
    openWarningMs: options.openWarningMs ?? 10_000,
    logger: options.logger ?? consoleLogger,
    tracerProvider: options.tracerProvider ?? trace.getTracerProvider(),
  };
  // Credit is a uint32 on the wire; a fractional or huge concurrency cannot be granted.
  if (
    !Number.isInteger(resolved.concurrency) ||
    resolved.concurrency < 1 ||
    resolved.concurrency > MAX_WORKER_LEASES
  )
    throw new TypeError(`concurrency: must be an integer from 1 to ${MAX_WORKER_LEASES}`);
  if (
    !Number.isInteger(resolved.prefetch) ||
    resolved.prefetch < 0 ||
    resolved.concurrency + resolved.prefetch > MAX_WORKER_LEASES
  )
    throw new TypeError(
      `prefetch: must be an integer >= 0, with concurrency + prefetch at most ${MAX_WORKER_LEASES}`,
    );
  for (const key of [
    'leaseDurationMs',
    'reconnectInitialBackoffMs',
    'reconnectMaxBackoffMs',
    'shutdownGraceMs',
    'settleTimeoutMs',
    'openWarningMs',
  ] as const) {
    const value = resolved[key];
    if (!Number.isFinite(value) || value < 0) throw new TypeError(`${key}: must be a finite number >= 0`);
  }
  if (resolved.leaseDurationMs <= 0) throw new TypeError('leaseDurationMs: must be > 0');
  if (resolved.reconnectMaxBackoffMs < resolved.reconnectInitialBackoffMs)
    throw new TypeError('reconnectMaxBackoffMs: must be >= reconnectInitialBackoffMs');
  return resolved;
}
