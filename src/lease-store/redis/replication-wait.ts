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

/** The message a caller gets when too few replicas confirmed a write in time. */
export const NOT_REPLICATED =
  'Redis unavailable: the write was not confirmed by enough replicas; it may still have been applied, so retry an enqueue with an idempotency key';

/**
 * Holds acknowledgements back until Redis `WAIT` says enough replicas have the writes:
 * those of an acknowledged enqueue or settle, and those of a claim that took leases (a
 * lease is never handed out before its fencing token is on the replicas, so a promoted
 * replica cannot hand out the same token again).
 *
 * WAIT counts every write the connection sent before it, so one WAIT confirms all the
 * batches whose replies arrived before it was sent: callers that ask while one is in
 * flight share the next one. That makes at most one WAIT per write batch, and fewer under
 * load. A WAIT that comes back with too few replicas fails every caller that shares it
 * with UnavailableError: the write may still have happened (and may still reach the
 * replicas), but it is never acknowledged as safe.
 *
 * WAIT blocks the connection it runs on: commands sent behind it wait for it too, which
 * is most of what it costs (BENCHMARKS.md). An enqueue-and-claim or settle-and-claim whose
 * WAIT fails has taken leases its caller never sees: they run out at their deadline and
 * the tasks are delivered again.
 *
 * Only a standalone (or Sentinel-found) primary: on a Cluster, WAIT would have to go to
 * the node that took each write, which this does not track.
 */
export class ReplicationWait {
  #inFlight: Promise<void> | undefined;
  #next: Promise<void> | undefined;
  readonly #client: RedisClient;
  readonly #options: ReplicationWaitOptions;
  /** Where a WAIT that fell short is told to the operator: callers see only UNAVAILABLE. */
  readonly #refusals: RefusalLog;

  constructor(client: RedisClient, options: ReplicationWaitOptions, refusals: RefusalLog) {
    this.#client = client;
    this.#options = options;
    this.#refusals = refusals;
  }

  /** Whether writes wait at all. */
  get enabled(): boolean {
    return this.#options.replicas > 0;
  }

  /** Resolves once the writes this connection has sent so far are on enough replicas. */
  confirm(): Promise<void> {
    if (!this.enabled) return Promise.resolve();
    if (!this.#inFlight) {
      this.#inFlight = this.#wait().finally(() => (this.#inFlight = undefined));
      return this.#inFlight;
    }
    // A WAIT already sent may have left before this caller's write reply: join the next.
    this.#next ??= this.#inFlight
      .catch(() => undefined)
      .then(() => {
        this.#next = undefined;
        return this.confirm();
      });
    return this.#next;
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
      this.#refusals.note(
        'WAIT',
        'writes not confirmed by --redis-wait-replicas replicas in time, which answer UNAVAILABLE',
        { replicas_wanted: replicas, replicas_confirmed: acked, wait_timeout_ms: timeoutMs },
      );
      throw new UnavailableError(NOT_REPLICATED, {
        cause: new Error(`WAIT ${replicas} ${timeoutMs}: ${acked} replica(s) confirmed`),
      });
    }
  }
}

/**
 * Warns at start when the primary has fewer replicas connected (INFO replication) than
 * writes wait for: every acknowledged write would then answer UNAVAILABLE after the wait
 * timeout, while the server says it is serving. Only a warning, not a refusal: replicas
 * may still be connecting, and reads work meanwhile. A user whose ACL refuses INFO gets
 * no warning.
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
  warn(
    'Redis has fewer replicas connected than --redis-wait-replicas: acknowledged writes answer UNAVAILABLE until enough connect',
    { replicas_connected: connected, replicas_wanted: wanted },
  );
}
