import { Redis } from 'ioredis';
import { UnavailableError } from '../../domain/errors.js';
import type { Warn } from '../../domain/throttled-warnings.js';
import { infoIfAllowed, type RedisClient } from './connection.js';
import type { RefusalLog } from './refusal-log.js';

/** What `--redis-wait-replicas` asks of every acknowledged write. */
export interface ReplicationWaitOptions {
  /** Replicas that must hold a write before it is acknowledged; 0 turns waiting off. */
  replicas: number;
  /** How long one WAIT may take, in milliseconds, before the write counts as not replicated. */
  timeoutMs: number;
}

const noop = (): void => {};

/** What the log says when a WAIT comes back short. */
const NOT_CONFIRMED_LINE =
  'writes not confirmed by --redis-wait-replicas replicas in time, which answer UNAVAILABLE until enough replicas confirm them';

/** The message a caller gets when too few replicas confirmed a write in time. */
export const NOT_REPLICATED =
  'Redis unavailable: the write was not confirmed by enough replicas; it may still have been applied, so retry an enqueue with an idempotency key';

/**
 * Holds acknowledgements back until Redis `WAIT` says enough replicas have the writes:
 * those of an acknowledged enqueue or settle, and those of a claim that took leases (a
 * lease is never handed out before its fencing token is on the replicas, so a promoted
 * replica cannot hand out the same token again).
 *
 * WAIT counts every write its connection sent before it, so one WAIT confirms all the
 * batches whose replies arrived before it was sent. A caller that asks while one is in
 * flight (it may have left before the caller's reply) gets the answer of the next one,
 * sent as soon as that one is answered and shared by everyone who asked meanwhile:
 * at most one WAIT per write batch, fewer under load, and no caller waits for more than
 * two. A WAIT that comes back with too few replicas fails every caller that shares it
 * with UnavailableError: the write may still have happened (and may still reach the
 * replicas), but it is never acknowledged as safe.
 *
 * WAIT confirms only the writes of its own connection. After a reconnect (a failover
 * promotes a replica), a WAIT on the new connection says nothing of writes the old one
 * carried, and the new primary may well have a replica already: a caller whose reply
 * came on another connection than the WAIT's fails, and no WAIT is sent while ioredis
 * has no connection ready (it would go out later, on the next one).
 *
 * WAIT blocks the connection it runs on: commands sent behind it wait for it too, which
 * is most of what it costs (BENCHMARKS.md). A claim whose WAIT fails has taken leases its
 * caller never sees: the store releases them (claim-path.ts, `#confirmLeasing`).
 *
 * Only a standalone (or Sentinel-found) primary: on a Cluster, WAIT would have to go to
 * the node that took each write, which this does not track.
 */
export class ReplicationWait {
  /** The last WAIT sent, until it is answered; resolves to the socket it went out on. */
  #inFlight: Promise<unknown> | undefined;
  /** The WAIT to send once the one in flight is answered, shared by whoever asks meanwhile. */
  #next: Promise<unknown> | undefined;
  readonly #client: RedisClient;
  readonly #options: ReplicationWaitOptions;
  /**
   * Where a short WAIT or one refused with a reply (NOPERM) is told, at most once a minute
   * each (a replica that lags now and then would flood the log): callers see only UNAVAILABLE.
   */
  readonly #refusals: RefusalLog;
  readonly #warn: Warn | undefined;
  /** While WAITs come back short: since when, and whether the log told of it (then it tells the end too). */
  #short: { since: number; told: boolean } | undefined;

  constructor(client: RedisClient, options: ReplicationWaitOptions, refusals: RefusalLog, warn?: Warn) {
    this.#client = client;
    this.#options = options;
    this.#refusals = refusals;
    this.#warn = warn;
  }

  /** Whether writes wait at all. */
  get enabled(): boolean {
    return this.#options.replicas > 0;
  }

  /**
   * Resolves once the writes this connection has sent so far are on enough replicas.
   * Call it when the write's reply is in, before anything else is awaited: the connection
   * the reply came on is the one a WAIT must run on.
   */
  confirm(): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    const socket = this.#readySocket();
    const sent = this.#inFlight === undefined ? this.#send() : this.#afterInFlight(this.#inFlight);
    return sent.then((waitedOn) => {
      if (waitedOn !== socket) {
        throw new UnavailableError(NOT_REPLICATED, {
          cause: new Error('the connection to Redis was replaced before the write was confirmed'),
        });
      }
    });
  }

  /** The WAIT sent once `inFlight` is answered, whatever its answer: it may have left before the caller's reply. */
  #afterInFlight(inFlight: Promise<unknown>): Promise<unknown> {
    this.#next ??= inFlight.then(noop, noop).then(() => {
      this.#next = undefined;
      return this.#send();
    });
    return this.#next;
  }

  /** Sends a WAIT on the connection ready now; resolves to its socket once enough replicas confirmed. */
  #send(): Promise<unknown> {
    const socket = this.#readySocket();
    if (socket === undefined) {
      return Promise.reject(
        new UnavailableError(NOT_REPLICATED, { cause: new Error('no connection to Redis is ready') }),
      );
    }
    const sent = this.#wait().then(() => socket);
    this.#inFlight = sent;
    // Registered before any caller's reaction, so a caller asking again finds none in flight.
    const answered = (): void => {
      if (this.#inFlight === sent) this.#inFlight = undefined;
    };
    sent.then(answered, answered);
    return sent;
  }

  /** The socket ioredis writes to now, or undefined while it has none ready (commands would wait for the next one). */
  #readySocket(): unknown {
    const client = this.#client;
    return client instanceof Redis && client.status === 'ready' ? client.stream : undefined;
  }

  async #wait(): Promise<void> {
    const { replicas, timeoutMs } = this.#options;
    let acked: number;
    try {
      acked = Number(await this.#client.call('WAIT', String(replicas), String(timeoutMs)));
    } catch (err) {
      // A lost connection is the health check's to report; a reply (NOPERM) is noted.
      const failed = new UnavailableError(NOT_REPLICATED, { cause: err });
      this.#refusals.noteReply(failed);
      throw failed;
    }
    if (acked < replicas) {
      this.#short ??= { since: Date.now(), told: false };
      const fields = { replicas_wanted: replicas, replicas_confirmed: acked, wait_timeout_ms: timeoutMs };
      if (this.#refusals.note('WAIT', NOT_CONFIRMED_LINE, fields)) this.#short.told = true;
      throw new UnavailableError(NOT_REPLICATED, {
        cause: new Error(`WAIT ${replicas} ${timeoutMs}: ${acked} replica(s) confirmed`),
      });
    }
    if (this.#short) {
      const { since, told } = this.#short;
      this.#short = undefined;
      if (told) {
        this.#warn?.('writes confirmed by --redis-wait-replicas replicas again', {
          unconfirmed_for: `${((Date.now() - since) / 1000).toFixed(1)}s`,
        });
      }
    }
  }
}

/**
 * Warns when the primary has fewer replicas connected (INFO replication) than writes wait
 * for: every acknowledged write would then answer UNAVAILABLE after the wait timeout,
 * while the server says it is serving. Checked at start and again at every reconnect
 * (a failover's new primary has no replica until the old one comes back and syncs, so
 * with one replica no write is confirmed meanwhile). Only a warning, not a refusal:
 * replicas may still be connecting, and reads work meanwhile. A user whose ACL refuses
 * INFO gets no warning.
 */
export async function warnOfMissingReplicas(
  client: RedisClient,
  wanted: number,
  warn: Warn | undefined,
): Promise<void> {
  if (wanted === 0 || !warn) return;
  const info = await infoIfAllowed(client, 'replication');
  if (info === undefined) return;
  const connected = Number(/^connected_slaves:(\d+)/m.exec(info)?.[1] ?? 0);
  if (connected >= wanted) return;
  const primary = primaryAddress(client);
  warn(
    'Redis has fewer replicas connected than --redis-wait-replicas: acknowledged writes answer UNAVAILABLE until enough connect',
    { replicas_connected: connected, replicas_wanted: wanted, ...(primary && { primary }) },
  );
}

/**
 * HOST:PORT of the Redis a standalone or Sentinel client is connected to (a Cluster
 * client has one per shard: undefined), as the socket says: with Sentinels, the primary
 * they named at the last connect.
 */
export function primaryAddress(client: RedisClient): string | undefined {
  const socket = client instanceof Redis ? client.stream : undefined;
  return socket?.remotePort === undefined ? undefined : `${socket.remoteAddress}:${socket.remotePort}`;
}
