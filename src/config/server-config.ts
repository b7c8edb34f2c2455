import { parseHostPort } from '../domain/host-port.js';
import { SERVER_SETTINGS } from './server-settings.js';
import { resolveSettings, type SettingValues } from './settings.js';
import { UsageError } from './usage-error.js';

/** The resolved configuration of one codeQ server; durations in milliseconds. */
export type ServerConfig = SettingValues<typeof SERVER_SETTINGS>;

/** The name of a setting in SERVER_SETTINGS (`redisKeyPrefix`). */
type SettingKey = keyof typeof SERVER_SETTINGS;

/**
 * Server configuration from defaults, the environment, then `overrides` (programmatic use
 * and tests). Redis flags that cannot go together, a Redis setting without the Redis store
 * and a Redis address that cannot work are a UsageError; a setting counts as given when
 * `overrides` sets it to other than its default or its variable is set.
 */
export function serverConfig(
  overrides: Partial<ServerConfig> = {},
  env: NodeJS.ProcessEnv = {},
): ServerConfig {
  const base = resolveSettings(SERVER_SETTINGS, {}, env);
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const config = { ...base, ...defined };
  // A programmatic caller often passes a whole config back (`{ ...config, listen }`): a
  // value equal to its default is not asked for, unlike a flag given at its default.
  const changed = (Object.keys(defined) as SettingKey[]).filter((key) => defined[key] !== base[key]);
  checkRedisSettings(config, new Set([...givenIn(env), ...changed]));
  return config;
}

/**
 * The configuration of `codeq serve`: its `flags` (as `node:util` parseArgs gives them)
 * over the environment over the defaults, checked as {@link serverConfig} checks it. A
 * setting counts as given when its flag or its variable is, whatever the value: a flag
 * that repeats the default (`--redis-sentinel-name mymaster`) still asks for Redis.
 */
export function serverConfigFromFlags(
  flags: Readonly<Record<string, string | boolean | string[] | undefined>>,
  env: NodeJS.ProcessEnv,
): ServerConfig {
  const config = resolveSettings(SERVER_SETTINGS, flags, env);
  const byFlag = settingKeys().filter((key) => flags[SERVER_SETTINGS[key].flag] !== undefined);
  checkRedisSettings(config, new Set([...givenIn(env), ...byFlag]));
  return config;
}

/** Every setting of SERVER_SETTINGS, in its order (that of --help). */
function settingKeys(): SettingKey[] {
  return Object.keys(SERVER_SETTINGS) as SettingKey[];
}

/** The settings whose variable `env` sets (empty counts as unset, as in resolveSettings). */
function givenIn(env: NodeJS.ProcessEnv): SettingKey[] {
  return settingKeys().filter((key) => (env[SERVER_SETTINGS[key].env] ?? '') !== '');
}

/** How a Cluster's nodes are given, for the messages that ask for them. */
const CLUSTER_EXAMPLE = '--redis-cluster --redis redis://a:7000,redis://b:7001';

/** Settings only the Sentinels use: ignored without --redis-sentinels. */
const SENTINEL_ONLY: readonly SettingKey[] = ['redisSentinelName', 'redisSentinelPassword'];

/** Settings only the Redis store uses: ignored on the memory store. */
const REDIS_ONLY: readonly SettingKey[] = [
  'redisWaitReplicas',
  'redisWaitTimeoutMs',
  'redisStartTimeoutMs',
  'redisKeyPrefix',
];

/**
 * Refuses Redis flags that cannot go together, Redis flags without the Redis store and
 * Redis addresses that cannot work, naming them, before anything starts: each would
 * otherwise be ignored (a Cluster flag or a key prefix without Redis ran the memory store,
 * a Cluster flag with Sentinels used the Sentinels) or fail later with less to go on.
 * `given`: the settings the user gave, whatever their value (a default is not asked for).
 */
function checkRedisSettings(config: ServerConfig, given: ReadonlySet<SettingKey>): void {
  if (config.redisCluster && config.redisSentinels)
    throw new UsageError(
      '--redis-cluster, --redis-sentinels: give one, not both (a Cluster is reached through its nodes in --redis)',
    );
  if (config.redisCluster && !config.redisUrl)
    throw new UsageError(`--redis-cluster: needs --redis with the Cluster's nodes (${CLUSTER_EXAMPLE})`);
  if (config.redisWaitReplicas > 0 && config.redisCluster)
    throw new UsageError(
      '--redis-wait-replicas: not supported with --redis-cluster (a WAIT would have to go to the node that took each write)',
    );
  if (config.redisUrl) checkRedisUrl(config.redisUrl, config);
  if (config.redisSentinels) checkSentinels(config.redisSentinels);
  const sentinelOnly = SENTINEL_ONLY.filter((key) => given.has(key));
  if (sentinelOnly.length > 0 && !config.redisSentinels)
    throw new UsageError(
      `${flagList(sentinelOnly)}: ${sentinelOnly.length > 1 ? 'need' : 'needs'} --redis-sentinels HOST:PORT,... (only Sentinels use ${sentinelOnly.length > 1 ? 'them' : 'it'})`,
    );
  // Asked of a store that is not there (a prefix, replicas to wait for): refuse rather than
  // start the memory store as if it had been honoured.
  const redisOnly = REDIS_ONLY.filter((key) => given.has(key));
  if (redisOnly.length > 0 && !config.redisUrl && !config.redisSentinels)
    throw new UsageError(
      `${flagList(redisOnly)}: ${redisOnly.length > 1 ? 'need' : 'needs'} the Redis store (--redis or --redis-sentinels)`,
    );
}

/** `--a, --b`: the flags of `keys`. */
function flagList(keys: readonly SettingKey[]): string {
  return keys.map((key) => `--${SERVER_SETTINGS[key].flag}`).join(', ');
}

/** The forms --redis takes, for the message that refuses any other. */
const REDIS_FORMS = 'redis://HOST:PORT[/DB], rediss://HOST:PORT[/DB] for TLS, or HOST:PORT';
const CLUSTER_FORMS = "the Cluster's nodes as redis://HOST:PORT,redis://HOST:PORT,... (or HOST:PORT,...)";

/**
 * Refuses a --redis that cannot reach a Redis: a scheme other than redis:// or rediss://
 * (`http://host:port` was taken for a socket path and failed with ENOENT), an address
 * that does not parse, or, for a standalone Redis, a path without the scheme (`host:6379/2`
 * is read as a socket path too, not as database 2).
 */
function checkRedisUrl(url: string, config: ServerConfig): void {
  const standalone = !config.redisCluster && !config.redisSentinels;
  const entries = config.redisCluster
    ? url
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== '')
    : [url.trim()];
  const forms = config.redisCluster ? CLUSTER_FORMS : REDIS_FORMS;
  if (entries.length === 0) throw new UsageError(`--redis: expected ${forms}, got ${JSON.stringify(url)}`);
  if (standalone && url.includes(','))
    throw new UsageError(
      `--redis: a list of nodes needs --redis-cluster (${CLUSTER_EXAMPLE}); a standalone Redis takes one URL, got ${JSON.stringify(url)}`,
    );
  // One connection option serves every node: TLS for some and not for others cannot be had.
  const tls = entries.filter((entry) => entry.startsWith('rediss://')).length;
  if (tls > 0 && tls < entries.length)
    throw new UsageError(
      `--redis: give every node as rediss:// (TLS) or none of them, got ${JSON.stringify(url)}`,
    );
  for (const entry of entries) {
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(entry)?.[1];
    // Only this spelling turns TLS on: `REDISS://` connected in plaintext.
    if (scheme !== 'rediss' && scheme?.toLowerCase() === 'rediss')
      throw new UsageError(`--redis: write rediss:// in lowercase for TLS, got ${JSON.stringify(entry)}`);
    const known = scheme === undefined || /^rediss?$/i.test(scheme);
    const bareWithPath = scheme === undefined && standalone && entry.includes('/');
    if (!known || bareWithPath || !parsesAsUrl(scheme ? entry : `redis://${entry}`))
      throw new UsageError(`--redis: expected ${forms}, got ${JSON.stringify(entry)}`);
  }
}

/**
 * Refuses a --redis-sentinels entry that is not HOST or HOST:PORT: a scheme
 * (`redis://host:26379` was read as the host `redis`), a path, or an address that does not
 * parse.
 */
function checkSentinels(text: string): void {
  const entries = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  const refuse = (got: string): never => {
    throw new UsageError(
      `--redis-sentinels: expected HOST:PORT,... (each Sentinel's host and port, 26379 when left out; no redis://), got ${JSON.stringify(got)}`,
    );
  };
  if (entries.length === 0) refuse(text);
  for (const entry of entries) {
    const hostPort = parseHostPort(entry) !== undefined || /^(\[[0-9a-f:.]+\]|[^:[\]]+)$/i.test(entry);
    if (/[\s/@?#]/.test(entry) || !hostPort || !parsesAsUrl(`redis://${entry}`)) refuse(entry);
  }
}

/** Whether `text` parses as a URL, as the Redis client will parse it. */
function parsesAsUrl(text: string): boolean {
  try {
    new URL(text);
    return true;
  } catch {
    return false;
  }
}
