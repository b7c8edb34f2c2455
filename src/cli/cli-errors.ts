import type { ReconnectEvent } from '../../clients/index.js';
import { UsageError } from '../config/usage-error.js';
import { REQUEST_ROOM_BYTES } from '../domain/task.js';

/** The status of a stream the worker ended itself after a server's drain. */
const OK = 0;
/** The gRPC status of a connection that could not be made (grpc-js `UNAVAILABLE`). */
const UNAVAILABLE = 14;
/** The gRPC status of a call without a credential the server accepts. */
const UNAUTHENTICATED = 16;
/** The gRPC status of a request the server found invalid. */
const INVALID_ARGUMENT = 3;
/** The gRPC status of a limit reached, here the caller's enqueue rate limit. */
const RESOURCE_EXHAUSTED = 8;

/**
 * The request fields the server names in a refusal, as each command's user gave them: the
 * server speaks of `max_attempts`, the user typed `--max-attempts`.
 */
const FIELD_FLAGS: Readonly<Record<string, readonly (readonly [RegExp, string])[]>> = {
  enqueue: [
    [/\b(?:retry\.)?initial_backoff\b/g, '--initial-backoff'],
    [/\b(?:retry\.)?max_backoff\b/g, '--max-backoff'],
    [/\b(?:retry\.)?backoff_multiplier\b/g, '--backoff-multiplier'],
    [/^max_attempts\b/, '--max-attempts'],
    [/^idempotency_key\b/, '--idempotency-key'],
    [/^fairness_key\b/, '--key'],
    [/^headers\b/, '--header'],
    [/^delay\b/, '--delay'],
    [/^priority\b/, '--priority'],
  ],
  work: [
    [/^open\.queues\[\d+\]/, 'queue'],
    [/^open\.lease_duration\b/, '--lease-duration'],
    [/^open\.worker_id\b/, '--worker-id'],
  ],
  keys: [[/^page_size\b/, '--page-size']],
};

/** `details` with the request fields a refusal names written as the command's flags. */
function asFlags(details: string, command: string | undefined): string {
  let out = details;
  for (const [field, flag] of FIELD_FLAGS[command ?? ''] ?? []) out = out.replace(field, flag);
  return out;
}

/**
 * The server's refusal of bytes over its --max-payload-bytes: a task's payload (inside a
 * batch, `tasks[3].payload`) or a worker's result.
 */
const OVER_PAYLOAD_LIMIT = /^(?:tasks\[\d+\]\.)?(?:payload|result): /;

/** grpc-js's words for a request over the server's cap on one message. */
const OVER_MESSAGE_CAP = /^Received message larger than max \(\d+ vs (\d+)\)/;

/**
 * Bytes a command sent (a task's payload, a worker's result) over the server's limit, as
 * its cap on one message found them before its own check of --max-payload-bytes could.
 */
export class OverMessageCapError extends Error {
  override name = 'OverMessageCapError';

  /** `bytes` of `field` (`payload`, `result`), in a request over the server's `capBytes`. */
  constructor(
    readonly field: string,
    readonly bytes: number,
    readonly capBytes: number,
  ) {
    // codeq serve takes a message of up to maxRequestBytes(--max-payload-bytes).
    super(
      `${field}: ${bytes} bytes is over the server's limit: its --max-payload-bytes is at most ` +
        `${capBytes - REQUEST_ROOM_BYTES} bytes (it takes no request over ${capBytes} bytes; ` +
        `gRPC status ${RESOURCE_EXHAUSTED})`,
    );
  }
}

/**
 * `err` of a call that carried `bytes` of `field` (a task's payload, a worker's result):
 * the server's cap on one message (RESOURCE_EXHAUSTED, "Received message larger than max
 * (N vs M)") said of those bytes, as an OverMessageCapError; any other error as it is. A
 * request whose `bytes` do not explain it (the rest of the request is that large) is left
 * alone too.
 */
export function asPayloadRefusal(err: unknown, field: string, bytes: number): unknown {
  const e = err as ServiceErrorShape;
  if (e?.code !== RESOURCE_EXHAUSTED || typeof e.details !== 'string') return err;
  const cap = OVER_MESSAGE_CAP.exec(e.details);
  if (!cap) return err;
  const capBytes = Number(cap[1]);
  if (capBytes <= REQUEST_ROOM_BYTES || bytes <= capBytes - REQUEST_ROOM_BYTES) return err;
  return new OverMessageCapError(field, bytes, capBytes);
}

/** `call`, with a refusal by the server's cap on one message said of the `bytes` of `field` it carried. */
export async function carrying<T>(field: string, bytes: number, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    throw asPayloadRefusal(err, field, bytes);
  }
}

/**
 * A refusal of what the command was given, rather than of the moment: the server found it
 * invalid, or its payload is over the server's limit.
 */
export function isRefusedInput(err: unknown): boolean {
  if (err instanceof OverMessageCapError) return true;
  const e = err as ServiceErrorShape;
  if (typeof e?.details !== 'string') return false;
  return e.code === INVALID_ARGUMENT || (e.code === RESOURCE_EXHAUSTED && OVER_PAYLOAD_LIMIT.test(e.details));
}

/** The parts of a grpc-js ServiceError the command line reads. */
type ServiceErrorShape = {
  code?: unknown;
  details?: unknown;
  metadata?: { get(key: string): unknown[] };
} | null;

/**
 * A refusal under the caller's enqueue rate limit (RESOURCE_EXHAUSTED with the server's
 * `retry-after-ms`): `burst` when the batch can never fit, else how long to wait.
 */
export function rateLimitOf(err: unknown): { burst?: number; retryAfterMs: number } | undefined {
  const e = err as ServiceErrorShape;
  if (e?.code !== RESOURCE_EXHAUSTED || typeof e.details !== 'string') return undefined;
  const retryAfterMs = Number(e.metadata?.get('retry-after-ms')[0]);
  if (!Number.isFinite(retryAfterMs)) return undefined;
  const burst = /over the burst of (\d+)/.exec(e.details);
  return burst ? { burst: Math.max(1, Number(burst[1])), retryAfterMs } : { retryAfterMs };
}

/** Errors of a TCP connection that never opened: nothing listens, or no such host. */
const NOT_LISTENING = /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|EAI_AGAIN/;

/**
 * One sentence for an error a command ends with. A gRPC error says what the server said,
 * with its status; grpc-js's "No connection established. Last error: …" becomes "cannot
 * reach the server", with the cause, and, when the connection opened but the handshake
 * failed, a hint: on a plaintext channel that the server may serve TLS, over TLS what to
 * check for that cause (tlsFailureHint). A refused
 * credential says where the command takes one from, when `options.token` tells whether
 * one was given, or that CODEQ_TOKEN was set empty (`options.emptyTokenVariable`).
 */
export function describeCliError(
  err: unknown,
  options: {
    tls?: boolean;
    token?: boolean;
    /** CODEQ_TOKEN is set to the empty string, which counts as unset. */
    emptyTokenVariable?: boolean;
    command?: string | undefined;
  } = {},
): string {
  const e = err as { code?: unknown; details?: unknown; message?: unknown } | null;
  if (typeof e?.details === 'string' && typeof e.code === 'number') {
    if (e.code === UNAVAILABLE) {
      const unreachable = unreachableCause(e.details);
      if (unreachable !== undefined) return unreachableSentence(unreachable, options.tls ?? false);
    }
    const details = e.code === INVALID_ARGUMENT ? asFlags(e.details, options.command) : e.details;
    const said = `${details} (gRPC status ${e.code})`;
    if (e.code === RESOURCE_EXHAUSTED && OVER_PAYLOAD_LIMIT.test(e.details))
      return `${said}; the limit is the server's --max-payload-bytes`;
    // The server's bare outage answer; its "not confirmed by enough replicas" says more already.
    if (e.code === UNAVAILABLE && e.details === 'Redis unavailable')
      return `${said}; the server's Redis is down or failing over: try again${options.command === 'enqueue' ? ' (an enqueue retried with the same --idempotency-key is never added twice)' : ''}`;
    if (e.code === UNAUTHENTICATED && options.token !== undefined)
      return options.token
        ? `${said}; check the token given by --token or CODEQ_TOKEN`
        : options.emptyTokenVariable
          ? `${said}; CODEQ_TOKEN is set but empty, which counts as unset, so no token was sent: check what sets it`
          : `${said}; give one with --token TOKEN or, better, CODEQ_TOKEN`;
    return said;
  }
  return String(e?.message ?? err);
}

/**
 * The sentence for a command line that cannot run as given: a UsageError's own text, or
 * what `node:util`'s parseArgs refused (an unknown option, a missing value, an argument
 * the command takes none of) pointing at the command's help; undefined for any other
 * error. Node's own text for an unknown option goes on about positionals starting with
 * '-', which says nothing to someone who guessed a flag.
 */
export function describeUsageError(err: unknown, command: string | undefined): string | undefined {
  if (err instanceof UsageError) return err.message;
  const e = err as { code?: unknown; message?: unknown } | null;
  if (typeof e?.code !== 'string' || !e.code.startsWith('ERR_PARSE_ARGS_')) return undefined;
  const help = command === undefined ? 'codeq --help' : `codeq ${command} --help`;
  const message = String(e.message);
  const unknown = /^Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown option ${unknown[1]} (${help} lists the options)`;
  return `${message.replace(/\.$/, '')} (see ${help})`;
}

/** The cause inside grpc-js's "No connection established" details; undefined for other details. */
function unreachableCause(details: string): string | undefined {
  const m = /^No connection established\. Last error: (?:Error: )?(.*?)\.?(?: Resolution note:.*)?$/s.exec(
    details,
  );
  // grpc-js dates some causes ("Failed to connect (2026-…Z)"): the date says nothing here.
  return m ? m[1]!.replace(/ \(\d{4}-\d\d-\d\dT[^)]*\)$/, '').trim() : undefined;
}

/**
 * Hints for the TLS handshake failures whose OpenSSL text tells the cause. Any other (an
 * untrusted or misnamed certificate, or grpc-js's bare "Failed to connect") gets
 * TLS_DEFAULT_HINT.
 */
const TLS_HINTS: readonly (readonly [RegExp, string])[] = [
  // The server asked for a client certificate and got none: TLS 1.3 alert 116.
  [
    /\bcertificate required\b|\bSSL alert number 116\b/,
    'the server requires a client certificate: pass --tls-client-cert and --tls-client-key',
  ],
  // A plaintext server's HTTP/2 bytes where the TLS server hello should be.
  [
    /\bwrong version number\b/,
    'the server at --server does not serve TLS: drop --tls and --tls-ca, or check the address',
  ],
];
const TLS_DEFAULT_HINT = "check --tls-ca, and the certificate's names against --server";

/** The hint for a TLS connection that failed with `cause`. */
function tlsFailureHint(cause: string): string {
  return TLS_HINTS.find(([pattern]) => pattern.test(cause))?.[1] ?? TLS_DEFAULT_HINT;
}

function unreachableSentence(cause: string, tls: boolean): string {
  const base = `cannot reach the server: ${cause}`;
  if (NOT_LISTENING.test(cause)) return `${base} (is codeq serve running at that address?)`;
  return tls
    ? `${base} (${tlsFailureHint(cause)})`
    : `${base} (something answers there, but not as codeq serve's gRPC port: check --server is its --listen address, not its console or metrics; if it serves TLS, connect with --tls or --tls-ca PATH)`;
}

/**
 * Whether a Claim stream failure in a worker's log fields is a connection that could not
 * be made, and its sentence; undefined otherwise.
 */
export function describeUnreachable(details: unknown, tls: boolean): string | undefined {
  if (typeof details !== 'string') return undefined;
  const cause = unreachableCause(details);
  return cause === undefined ? undefined : unreachableSentence(cause, tls);
}

/**
 * Drops Node's DEP0123 warning ("Setting the TLS ServerName to an IP address is not
 * permitted by RFC 6066"). grpc-js names the TLS server by the host of `--server`, an IP
 * address included; Node then sends no SNI and still checks the certificate against the
 * address, which is what a user of `--tls-ca` with `--server 10.0.0.5:7070` wants. Every
 * other warning is printed as before.
 */
export function quietIpServernameWarning(): void {
  const emit = process.emitWarning.bind(process) as (...args: unknown[]) => void;
  const quiet = (warning: unknown, ...rest: unknown[]): void => {
    const first = rest[0] as { code?: unknown } | string | undefined;
    const code = typeof first === 'object' ? first?.code : rest[1];
    if (code === 'DEP0123') return;
    emit(warning, ...rest);
  };
  process.emitWarning = quiet;
}

/**
 * A worker's log line as one sentence for `codeq work`: a Claim stream that cannot connect
 * says why and when it tries again; other fields follow as `name value` pairs.
 */
export function workerLogSentence(
  message: string,
  meta: Record<string, unknown> | undefined,
  tls: boolean,
): string {
  const unreachable = describeUnreachable(meta?.details, tls);
  if (unreachable !== undefined) {
    const retry = typeof meta?.delayMs === 'number' ? `; trying again ${retryDelay(meta.delayMs)}` : '';
    const attempt = typeof meta?.attempt === 'number' ? ` (attempt ${meta.attempt})` : '';
    return `${unreachable}${retry}${attempt}`;
  }
  const fields = Object.entries(meta ?? {})
    .filter(([, v]) => v !== undefined)
    .map(
      ([k, v]) => `${k} ${typeof v === 'string' ? v : v instanceof Error ? v.message : JSON.stringify(v)}`,
    );
  return fields.length === 0 ? message : `${message} (${fields.join(', ')})`;
}

/** "in 2.5 s", or "now" for a delay too short to show in tenths. */
function retryDelay(ms: number): string {
  return ms < 50 ? 'now' : `in ${(ms / 1000).toFixed(1)} s`;
}

/**
 * A worker's Claim stream that ended (its 'reconnect' event), as one sentence: the server
 * unreachable, draining, or the stream ended with a status, and when the next try goes out.
 */
export function streamLostSentence(event: ReconnectEvent, tls: boolean): string {
  const unreachable = describeUnreachable(event.details, tls);
  if (unreachable !== undefined) return workerLogSentence('', { ...event }, tls);
  const next = `reconnecting to ${event.address} ${retryDelay(event.delayMs)}`;
  if ((event.code as number) === OK) return `the server is draining; ${next}`;
  const why = event.details || 'no reason given';
  return `the Claim stream ended (${why}, gRPC status ${event.code}); ${next}`;
}

/** Why a listener could not open, by the code of Node's error. */
const LISTEN_FAILURES: Readonly<Record<string, string>> = {
  EADDRINUSE: 'the address is in use (another codeq serve?); choose another port, or 0 for a free one',
  EADDRNOTAVAIL: 'no network interface of this machine has that address',
  EACCES: 'not permitted here (ports below 1024 need privileges)',
};

/**
 * A listener that could not open, as one sentence naming the flag that gave its address
 * (`hint` adds another way out, such as `--no-console`); undefined for any other error,
 * a certificate file that cannot be read (`EACCES … open`) included. Node's message says
 * `listen EADDRINUSE: …`, and grpc-js keeps it inside its own ("No address added out of
 * total 1 resolved errors: [listen EADDRINUSE: …]"), so the message is what is read.
 */
export function describeListenError(
  err: unknown,
  flag: string,
  address: string,
  hint = '',
): string | undefined {
  const message = (err as { message?: unknown } | null)?.message;
  const code = /\blisten (EADDRINUSE|EADDRNOTAVAIL|EACCES)\b/.exec(
    typeof message === 'string' ? message : '',
  )?.[1];
  return code === undefined ? undefined : `${flag} ${address}: ${LISTEN_FAILURES[code]}${hint}`;
}
