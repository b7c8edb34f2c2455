import { SERVER_SETTINGS } from './server-settings.js';
import { resolveSettings, type SettingValues } from './settings.js';
import { UsageError } from './usage-error.js';

/** The resolved configuration of one codeQ server; durations in milliseconds. */
export type ServerConfig = SettingValues<typeof SERVER_SETTINGS>;

/**
 * Server configuration from defaults, the environment, then `overrides` (programmatic use
 * and tests). Redis flags that cannot go together are a UsageError.
 */
export function serverConfig(
  overrides: Partial<ServerConfig> = {},
  env: NodeJS.ProcessEnv = {},
): ServerConfig {
  const base = resolveSettings(SERVER_SETTINGS, {}, env);
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const config = { ...base, ...defined };
  checkRedisSettings(config);
  return config;
}

/** How a Cluster's nodes are given, for the messages that ask for them. */
const CLUSTER_EXAMPLE = '--redis-cluster --redis redis://a:7000,redis://b:7001';

/**
 * Refuses Redis flags that cannot go together, naming them, before anything starts: each
 * would otherwise be ignored (a Cluster flag without nodes ran the memory store, one with
 * Sentinels used the Sentinels) or fail later with less to go on.
 */
function checkRedisSettings(config: ServerConfig): void {
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
  // Asked to wait for replicas the memory store does not have: refuse rather than promise nothing.
  if (config.redisWaitReplicas > 0 && !config.redisUrl && !config.redisSentinels)
    throw new UsageError('--redis-wait-replicas: needs the Redis store (--redis or --redis-sentinels)');
}
