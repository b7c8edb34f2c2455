import type * as grpc from '@grpc/grpc-js';

/**
 * Client keepalive of a {@link Worker} or {@link Producer} channel: HTTP/2 pings that find a
 * connection whose network died without closing it (a host gone, a NAT entry dropped), so
 * calls fail and the worker reconnects in seconds instead of after the OS gives up on TCP.
 */
export interface KeepaliveOptions {
  /**
   * Interval between pings, in ms; 0 turns keepalive off. Default 10 000 (10 s): twice the
   * 5 s a codeQ server allows between pings on a connection without data, so no server or
   * proxy that enforces that minimum counts them as abuse. Below 5 s a strict server may
   * answer GOAWAY `too_many_pings`, after which grpc-js doubles the interval.
   */
  keepaliveTimeMs?: number;
  /** How long a ping may go unanswered before the connection is dropped, in ms. Default 5 000 (5 s). */
  keepaliveTimeoutMs?: number;
}

/** Ping interval when none is given, in ms. */
export const DEFAULT_KEEPALIVE_TIME_MS = 10_000;
/** Ping timeout when none is given, in ms. */
export const DEFAULT_KEEPALIVE_TIMEOUT_MS = 5_000;

/**
 * The longest grpc-js waits between attempts to connect, in ms, when no other bound is
 * given. Its own default is 120 s: a client whose server was down for a few minutes kept
 * failing its calls for up to two more after the server was back.
 */
export const DEFAULT_MAX_CONNECT_BACKOFF_MS = 10_000;

/** Resolved keepalive durations, checked. */
export interface ResolvedKeepalive {
  keepaliveTimeMs: number;
  keepaliveTimeoutMs: number;
}

/** Fills in the keepalive defaults; a TypeError names an option that is not a finite number >= 0. */
export function resolveKeepalive(options: KeepaliveOptions): ResolvedKeepalive {
  const resolved = {
    keepaliveTimeMs: options.keepaliveTimeMs ?? DEFAULT_KEEPALIVE_TIME_MS,
    keepaliveTimeoutMs: options.keepaliveTimeoutMs ?? DEFAULT_KEEPALIVE_TIMEOUT_MS,
  };
  for (const [key, value] of Object.entries(resolved)) {
    if (!Number.isFinite(value) || value < 0) throw new TypeError(`${key}: must be a finite number >= 0`);
  }
  return resolved;
}

/**
 * The grpc-js channel options of every client, under `channelOptions` so that a caller who
 * sets the grpc keys by hand keeps them. Keepalive pings go out even without a call in
 * flight: a worker between streams and an idle producer learn of a dead connection before
 * their next call has to. Messages of any size are taken: the server bounds what it sends
 * (payloads and results by its `--max-payload-bytes`, which may pass gRPC's default 4 MiB;
 * a worker that refused a lease's message would lose the lease). A connection that
 * failed is tried again at most `maxConnectBackoffMs` later, give or take grpc-js's 20 %
 * jitter (a worker's bound is its `reconnectMaxBackoffMs`), so a server that comes back
 * is found about that soon.
 */
export function clientChannelOptions(
  keepalive: ResolvedKeepalive,
  channelOptions: grpc.ChannelOptions = {},
  maxConnectBackoffMs = DEFAULT_MAX_CONNECT_BACKOFF_MS,
): grpc.ChannelOptions {
  return {
    'grpc.keepalive_time_ms': keepalive.keepaliveTimeMs,
    'grpc.keepalive_timeout_ms': keepalive.keepaliveTimeoutMs,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.max_receive_message_length': -1,
    'grpc.max_reconnect_backoff_ms': maxConnectBackoffMs,
    ...channelOptions,
  };
}
