import { describe, expect, it } from 'vitest';
import { serverConfig } from './server-config.js';
import { UsageError } from './usage-error.js';

/** The usage error `serverConfig` throws for `overrides` and `env`, or undefined. */
function refusal(overrides: Parameters<typeof serverConfig>[0], env: NodeJS.ProcessEnv = {}): unknown {
  try {
    serverConfig(overrides, env);
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('serverConfig', () => {
  it('refuses --redis-cluster without --redis, from the flag or its variable', () => {
    const flag = refusal({ redisCluster: true });
    expect(flag).toBeInstanceOf(UsageError);
    expect((flag as Error).message).toBe(
      "--redis-cluster: needs --redis with the Cluster's nodes (--redis-cluster --redis redis://a:7000,redis://b:7001)",
    );
    expect(refusal({}, { CODEQ_REDIS_CLUSTER: 'true' })).toEqual(flag);
    expect(refusal({ redisCluster: true, redisUrl: 'redis://a:7000,redis://b:7001' })).toBeUndefined();
  });

  it('refuses --redis-cluster with --redis-sentinels', () => {
    const err = refusal({ redisCluster: true, redisUrl: 'redis://a:7000', redisSentinels: 'a:26379' });
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/^--redis-cluster, --redis-sentinels: give one, not both/);
  });

  it('refuses --redis-wait-replicas with --redis-cluster or without Redis, naming the flag', () => {
    const cluster = refusal({ redisCluster: true, redisUrl: 'redis://a:7000', redisWaitReplicas: 1 });
    expect(cluster).toBeInstanceOf(UsageError);
    expect((cluster as Error).message).toMatch(/^--redis-wait-replicas: not supported with --redis-cluster/);
    const memory = refusal({ redisWaitReplicas: 1 });
    expect(memory).toBeInstanceOf(UsageError);
    expect((memory as Error).message).toBe(
      '--redis-wait-replicas: needs the Redis store (--redis or --redis-sentinels)',
    );
    expect(refusal({ redisWaitReplicas: 1, redisSentinels: 'a:26379' })).toBeUndefined();
  });
});
