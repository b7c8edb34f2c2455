import { Cluster, Redis, type ClusterNode, type ClusterOptions, type RedisOptions } from 'ioredis';
import { CodeqError, UnavailableError } from '../../domain/errors.js';

/** A standalone connection or a Cluster: both run the scripts and pub/sub the same way. */
export type RedisClient = Redis | Cluster;

/**
 * Client options, chosen for a server that must answer UNAVAILABLE quickly and never
 * apply a script twice:
 * - `maxRetriesPerRequest: 0`: when the connection drops, commands in flight and in the
 *   offline queue fail at once instead of being re-sent after the reconnect. A script
 *   in flight may or may not have run; re-sending an enqueue or a claim could apply it
 *   twice, so the caller gets UNAVAILABLE and decides (workers and producers retry).
 * - `autoResendUnfulfilledCommands: false`: the same reason, stated explicitly.
 * - `enableOfflineQueue: true`: commands issued while reconnecting wait for that one
 *   attempt (at most RECONNECT_MAX_DELAY_MS plus the connect timeout), so a blip does
 *   not fail requests, while an outage fails them within about a second.
 * - `retryStrategy`: reconnect forever, 50 ms doubling to at most 1 s apart, so the
 *   store recovers by itself when Redis comes back.
 * - `commandTimeout`: a reply that never comes (a hung server, a lost packet) fails the
 *   call instead of holding a claim or a stream forever.
 * - `lazyConnect`: `connect()` resolves when the server is ready (ready check on), so
 *   the store starts only against a usable Redis.
 * - Auto-pipelining stays off: it lets one pipeline per connection be in flight, so the
 *   server and Redis take turns instead of working side by side (measured: 20-25 % less
 *   throughput at concurrency 50-200, and no better latency at 1,000 tasks/s).
 */
export const RECONNECT_MAX_DELAY_MS = 1000;
const CONNECT_TIMEOUT_MS = 5000;
/** How long a Redis command may go unanswered before it fails (and the call answers UNAVAILABLE), in ms. */
export const DEFAULT_COMMAND_TIMEOUT_MS = 5000;

/** Reconnect delays: 50 ms doubling to at most 1 s, for good. */
export function retryStrategy(times: number): number {
  return Math.min(50 * 2 ** Math.min(times - 1, 10), RECONNECT_MAX_DELAY_MS);
}

function baseOptions(commandTimeoutMs: number): RedisOptions {
  return {
    lazyConnect: true,
    enableReadyCheck: true,
    enableOfflineQueue: true,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy,
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: commandTimeoutMs,
    connectionName: 'codeq',
  };
}

/** Parses `redis://[user:pass@]host:port[,redis://host:port...]` (or bare `host:port`) into nodes. */
export function parseNodes(url: string): {
  nodes: ClusterNode[];
  auth: Pick<RedisOptions, 'username' | 'password'>;
} {
  const nodes: { host: string; port: number }[] = [];
  let auth: Pick<RedisOptions, 'username' | 'password'> = {};
  for (const part of url.split(',')) {
    const text = part.trim();
    if (!text) continue;
    const parsed = new URL(text.includes('://') ? text : `redis://${text}`);
    nodes.push({ host: parsed.hostname, port: parsed.port ? Number(parsed.port) : 6379 });
    if (parsed.password) {
      auth = {
        username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
        password: decodeURIComponent(parsed.password),
      };
    }
  }
  if (nodes.length === 0) throw new Error(`no Redis node in url ${JSON.stringify(url)}`);
  return { nodes, auth };
}

/**
 * Whether `url` asks for TLS (`rediss://`; in a Cluster's list, its nodes'). ioredis reads
 * the scheme of a single URL itself; a Cluster's nodes and the primary a Sentinel names are
 * connected from parsed host and port, so TLS has to be asked for in their options.
 */
export function urlWantsTls(url: string): boolean {
  return url.split(',').some((part) => part.trim().startsWith('rediss://'));
}

/** The URL names a database this Redis does not have, or no database number at all. */
export class RedisDatabaseError extends Error {
  override readonly name = 'RedisDatabaseError';
}

/**
 * The database a Redis URL names (`redis://host:6379/2`), 0 when it names none. A path
 * that is not a database number is refused here, never read as database 0.
 */
export function urlDatabase(url: string): number {
  const first = url.split(',')[0]!.trim();
  if (!first) return 0;
  const path = new URL(first.includes('://') ? first : `redis://${first}`).pathname.replace(/^\//, '');
  if (path === '') return 0;
  if (!/^\d{1,9}$/.test(path))
    throw new RedisDatabaseError(
      `the URL names database ${JSON.stringify(path)}: its path must be a database number (/0, /1, ...)`,
    );
  return Number(path);
}

/**
 * Selects the database the URL names on a connected client. ioredis selects it on
 * connect too, but carries on in database 0 when Redis refuses: here the refusal ends
 * the start instead. Any other error (the connection dropped) goes on as it is.
 */
export async function selectDatabase(client: RedisClient, db: number): Promise<void> {
  try {
    await client.select(db);
  } catch (err) {
    if (!/DB index/i.test((err as Error).message)) throw err;
    throw new RedisDatabaseError(
      `the URL names database ${db}, which this Redis does not have (${(err as Error).message}); ` +
        "Redis numbers its databases from 0 to one below its 'databases' setting (16 by default)",
    );
  }
}

/** What a server that is not a standalone Redis is instead. */
export type RedisMode = 'cluster' | 'sentinel';

/** The URL names a Redis Cluster node or a Sentinel where a standalone Redis was expected. */
export class RedisModeError extends Error {
  override readonly name = 'RedisModeError';
  constructor(
    readonly mode: RedisMode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * INFO (of `section`, or all of it), or undefined when the user's ACL refuses INFO: the
 * start's checks that read it let such a user through, as ioredis's own ready check does.
 */
export async function infoIfAllowed(client: RedisClient, section?: string): Promise<string | undefined> {
  try {
    return await (section === undefined ? client.info() : client.info(section));
  } catch (err) {
    if (err instanceof Error && /^NOPERM\b/.test(err.message)) return undefined;
    throw err;
  }
}

/**
 * Refuses a server that is not a standalone Redis. ioredis connects to a Cluster node or
 * a Sentinel as to any Redis, and the store would start: on a Cluster node every call
 * whose key lives on another node then answers MOVED (UNAVAILABLE), on a Sentinel FUNCTION
 * is an unknown command. One INFO at start tells them apart.
 */
export async function checkStandalone(client: Redis): Promise<void> {
  const info = await infoIfAllowed(client);
  if (info === undefined) return;
  const where = `${client.options.host ?? ''}:${String(client.options.port ?? '')}`;
  if (/^redis_mode:sentinel\r?$/m.test(info))
    throw new RedisModeError(
      'sentinel',
      `${where} is a Redis Sentinel (redis_mode:sentinel), not a Redis server`,
    );
  if (/^cluster_enabled:1\r?$/m.test(info))
    throw new RedisModeError('cluster', `${where} is a Redis Cluster node (cluster_enabled:1)`);
}

/** Where the primary is: Sentinels to ask, and the name they watch it by. */
export interface SentinelTarget {
  /** At least one Sentinel; ioredis tries them in turn. */
  sentinels: { host: string; port: number }[];
  /** The name of the primary in the Sentinels' `sentinel monitor NAME ...`. */
  name: string;
  /** The Sentinels' own password (their `requirepass`), when they ask for one. */
  password?: string | undefined;
}

/**
 * A connection that found its server demoted to a replica (READONLY) reconnects, which
 * under Sentinel asks for the new primary; the command that failed is not re-sent
 * (`true`, not `2`): it fails UNAVAILABLE like any command during a switch.
 */
function reconnectOnError(err: Error): boolean {
  return err.message.startsWith('READONLY');
}

/** Parses `--redis-sentinels` (`host:port,host:port`, port 26379 when left out). */
export function parseSentinels(text: string): { host: string; port: number }[] {
  const nodes = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const parsed = new URL(`redis://${part}`);
      return { host: parsed.hostname, port: parsed.port ? Number(parsed.port) : 26379 };
    });
  if (nodes.length === 0) throw new Error(`redis-sentinels: no HOST:PORT in ${JSON.stringify(text)}`);
  return nodes;
}

/**
 * Creates an unconnected client; call `connect()` on it. With `sentinel`, ioredis asks the
 * Sentinels for the primary on every (re)connect and checks its role, so a promoted
 * replica is found without a restart; `url` (optional then) gives only the credentials.
 */
export function createClient(
  url: string,
  cluster: boolean,
  commandTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS,
  sentinel?: SentinelTarget,
): RedisClient {
  if (sentinel) {
    const auth = url ? parseNodes(url).auth : {};
    const db = urlDatabase(url);
    return new Redis({
      ...baseOptions(commandTimeoutMs),
      ...auth,
      ...(db !== 0 && { db }),
      // The primary the Sentinels name is reached over TLS when --redis says rediss://.
      ...(urlWantsTls(url) && { tls: {}, enableTLSForSentinelMode: true }),
      sentinels: sentinel.sentinels,
      name: sentinel.name,
      ...(sentinel.password !== undefined && { sentinelPassword: sentinel.password }),
      reconnectOnError,
      // Sentinels that do not answer are tried again with the same backoff.
      sentinelRetryStrategy: retryStrategy,
      // No failoverDetector (ioredis's +switch-master subscription, off by default): in the
      // chaos run a client with it ended in its final state after a failover and answered
      // "Connection is closed." for good. The store watches the Sentinels itself
      // (sentinel-watch.ts); a READONLY reply reconnects too (reconnectOnError).
    });
  }
  if (!cluster) return new Redis(url, { ...baseOptions(commandTimeoutMs), reconnectOnError });
  const { nodes, auth } = parseNodes(url);
  // Node connections do not reconnect by themselves in a Cluster (it refreshes the slots
  // and reconnects instead), so lazyConnect and retryStrategy stay the Cluster's.
  const { lazyConnect: _lazy, retryStrategy: _retry, ...nodeOptions } = baseOptions(commandTimeoutMs);
  const clusterOptions: ClusterOptions = {
    lazyConnect: true,
    enableReadyCheck: true,
    enableOfflineQueue: true,
    // A command that failed with "Connection is closed" may have run: do not re-send it.
    // MOVED after a failover (a replica promoted) is re-sent by ioredis to the new owner:
    // the first node refused it, so it ran nowhere; the slots are refreshed meanwhile.
    retryDelayOnFailover: 0,
    // CLUSTERDOWN while the cluster elects a new primary: the command ran nowhere, so it
    // fails UNAVAILABLE at once rather than wait (callers retry).
    retryDelayOnClusterDown: 0,
    clusterRetryStrategy: retryStrategy,
    redisOptions: { ...nodeOptions, ...auth, ...(urlWantsTls(url) && { tls: {} }) },
  };
  return new Cluster(nodes, clusterOptions);
}

/** A second connection with the same options (for pub/sub); call `connect()` on it. */
export function duplicateClient(client: RedisClient): RedisClient {
  return client instanceof Cluster ? client.duplicate() : client.duplicate();
}

/**
 * The start gave up: no ready Redis (through the Sentinels, when given) within
 * `timeoutMs`. `cause` is the last thing that went wrong meanwhile.
 */
export class RedisStartTimeoutError extends UnavailableError {
  constructor(
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(`no ready Redis within ${timeoutMs} ms`, options);
  }
}

/** A password refused, by Redis or a Sentinel: retrying will not help. */
export function isAuthRefusal(err: unknown): boolean {
  return (
    err instanceof Error &&
    /\b(WRONGPASS|NOAUTH)\b|invalid password|invalid username-password/i.test(err.message)
  );
}

/** Errors Redis answers while it cannot serve (loading, failing over, out of memory). */
const UNAVAILABLE_REPLY =
  /^(LOADING|BUSY|CLUSTERDOWN|TRYAGAIN|MASTERDOWN|READONLY|OOM|NOREPLICAS|MOVED|ASK)\b/;

/** The message callers get while Redis cannot serve: what the client library said stays in `cause`, for the log. */
export const REDIS_UNAVAILABLE = 'Redis unavailable';

/**
 * Maps a client error to the store's errors: connection loss, timeouts, a closed client
 * and Redis's "cannot serve now" replies become UnavailableError (the server answers
 * `UNAVAILABLE: Redis unavailable` and callers retry); other Redis replies (a script bug)
 * stay as they are. The client library's own wording ("Reached the max retries per
 * request limit", "Connection is closed") means nothing to a caller, so it is kept only
 * as the cause.
 */
export function toStoreError(err: unknown): Error {
  if (err instanceof CodeqError) return err;
  if (!(err instanceof Error)) return new UnavailableError(REDIS_UNAVAILABLE, { cause: err });
  if (err.name === 'ReplyError' && !UNAVAILABLE_REPLY.test(err.message)) return err;
  return new UnavailableError(REDIS_UNAVAILABLE, { cause: err });
}
