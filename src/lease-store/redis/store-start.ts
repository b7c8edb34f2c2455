import { Redis } from 'ioredis';
import { defineScripts, type Scripts } from './commands.js';
import {
  checkStandalone,
  createClient,
  duplicateClient,
  isAuthRefusal,
  RedisDatabaseError,
  RedisModeError,
  RedisStartTimeoutError,
  selectDatabase,
  toStoreError,
  urlDatabase,
  type RedisClient,
} from './connection.js';
import type { KeySpace } from './keys.js';
import type { RedisStoreOptions } from './redis-options.js';
import { primaryAddress, warnOfMissingReplicas } from './replication-wait.js';
import { watchSentinels } from './sentinel-watch.js';

const noop = (): void => {};

/** The queue of the task {@link checkScriptsRun} looks up: no task of it exists. */
const START_PROBE_QUEUE = 'codeq.start';

/**
 * Runs one script before the store starts: the lookup of a task that does not exist,
 * which writes nothing. FUNCTION LOAD working does not mean FCALL does (an ACL can allow
 * one and refuse the other), and a store that cannot run its scripts would start and
 * then fail every call; this fails the start instead, with Redis's refusal.
 */
async function checkScriptsRun(scripts: Scripts, keys: KeySpace): Promise<void> {
  const k = keys.queue(START_PROBE_QUEUE);
  await scripts.get(
    { task: `${k.taskPrefix}probe`, scheduled: k.scheduled },
    { taskId: 'probe', now: '', finishedRetentionMs: 1, deadRetentionMs: 1 },
  );
}

/** A store's two connections, ready, and its scripts, loaded. */
export interface StartedRedis {
  /** Every command goes here. */
  client: RedisClient;
  /** The wake-up channel's subscriptions. */
  subscriber: RedisClient;
  scripts: Scripts;
}

/**
 * Starts a store's connections to Redis: connects (checking what it connected to: a
 * standalone server unless told a Cluster or Sentinels, the URL's database), loads the
 * scripts and runs one, warns of missing replicas, and opens the second connection;
 * then `open` builds the store on them. Every step is bounded: a refused password (by
 * Redis or a Sentinel) fails at once, as it will not get better; anything else after
 * `startTimeoutMs` of retries (RedisStartTimeoutError), with the last connection error
 * as its cause, as ioredis would otherwise retry for good. A failure anywhere, `open`'s
 * included, disconnects both and fails with the store's error for it.
 */
export async function startRedis<T>(
  options: RedisStoreOptions,
  keys: KeySpace,
  open: (started: StartedRedis) => Promise<T>,
): Promise<T> {
  if ((options.waitReplicas ?? 0) > 0 && options.cluster) {
    throw new Error('redis-wait-replicas: not supported with --redis-cluster');
  }
  const db = urlDatabase(options.url);
  if (db !== 0 && options.cluster)
    throw new RedisDatabaseError(`the URL names database ${db}: a Redis Cluster has database 0 only`);
  const client = createClient(
    options.url,
    options.cluster ?? false,
    options.commandTimeoutMs,
    options.sentinel,
  );
  // Connection errors repeat while Redis is down; operations report them as
  // UnavailableError, so the events need a listener, which keeps the first start's
  // last one: `connect()` itself only says "Connection is closed".
  let connectError: unknown;
  let sentinelError: unknown;
  let giveUp: (err: unknown) => void = noop;
  const gaveUp = new Promise<never>((_, reject) => (giveUp = reject));
  gaveUp.catch(noop); // raced by every step below; nobody else waits on it
  const onConnectError = (err: unknown): void => {
    connectError = err;
    if (isAuthRefusal(err)) giveUp(err);
  };
  // Why a Sentinel did not name a primary (unreachable, or not watching that name).
  const onSentinelError = (err: unknown): void => {
    sentinelError = err;
  };
  const startTimeoutMs = options.startTimeoutMs ?? 15_000;
  const timer = setTimeout(
    () => giveUp(new RedisStartTimeoutError(startTimeoutMs, { cause: sentinelError ?? connectError })),
    startTimeoutMs,
  );
  const bounded = <R>(step: Promise<R>): Promise<R> => {
    step.catch(noop); // the loser of the race fails once the client is disconnected
    return Promise.race([step, gaveUp]);
  };
  client.on('error', noop);
  client.on('error', onConnectError);
  client.on('sentinelError', onSentinelError);
  let subscriber: RedisClient | undefined;
  try {
    await bounded(client.connect());
    if (!options.cluster && !options.sentinel) await bounded(checkStandalone(client as Redis));
    if (db !== 0) await bounded(selectDatabase(client, db));
    const scripts = await bounded(defineScripts(client));
    await bounded(checkScriptsRun(scripts, keys));
    await bounded(warnOfMissingReplicas(client, options.waitReplicas ?? 0, options.warn));
    subscriber = duplicateClient(client);
    subscriber.on('error', noop);
    subscriber.on('error', onConnectError);
    await bounded(subscriber.connect());
    subscriber.off('error', onConnectError);
    return await open({ client, subscriber, scripts });
  } catch (err) {
    client.disconnect();
    subscriber?.disconnect();
    throw toStoreError(
      err instanceof RedisStartTimeoutError ||
        err instanceof RedisDatabaseError ||
        err instanceof RedisModeError ||
        isAuthRefusal(err)
        ? err
        : (connectError ?? err),
    );
  } finally {
    clearTimeout(timer);
    client.off('error', onConnectError);
    client.off('sentinelError', onSentinelError);
  }
}

/**
 * Keeps a started store on the primary, and says when it moves: a reconnect may have
 * found another primary (a failover), which the log names, and which may lack the
 * replicas writes wait for. Behind Sentinels, follows their announcements of a new
 * primary at once (sentinel-watch.ts) until the client ends.
 */
export function followPrimary(
  client: RedisClient,
  subscriber: RedisClient,
  options: RedisStoreOptions,
): void {
  let primary = primaryAddress(client);
  client.on('ready', () => {
    const now = primaryAddress(client);
    if (now !== undefined && primary !== undefined && now !== primary)
      options.warn?.('Redis primary changed (a failover): writes go to the new primary', {
        primary: now,
        was: primary,
      });
    primary = now ?? primary;
    if (options.waitReplicas) warnOfMissingReplicas(client, options.waitReplicas, options.warn).catch(noop);
  });
  if (options.sentinel && client instanceof Redis && subscriber instanceof Redis)
    client.once('end', watchSentinels(options.sentinel, [client, subscriber]));
}
