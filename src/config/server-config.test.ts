import { describe, expect, it } from 'vitest';
import { serverConfig, serverConfigFromFlags } from './server-config.js';
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

/** The message of the usage error `codeq serve` refuses `flags` and `env` with, or undefined. */
function flagRefusal(
  flags: Parameters<typeof serverConfigFromFlags>[0],
  env: NodeJS.ProcessEnv = {},
): string | undefined {
  try {
    serverConfigFromFlags(flags, env);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  return undefined;
}

const NEEDS_REDIS = 'needs the Redis store (--redis or --redis-sentinels)';

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

  it('refuses every Redis-only setting without the Redis store, given by flag or variable', () => {
    expect(flagRefusal({ 'redis-prefix': 'foo' })).toBe(`--redis-prefix: ${NEEDS_REDIS}`);
    expect(flagRefusal({}, { CODEQ_REDIS_PREFIX: 'foo' })).toBe(`--redis-prefix: ${NEEDS_REDIS}`);
    expect(flagRefusal({ 'redis-start-timeout': '30s' })).toBe(`--redis-start-timeout: ${NEEDS_REDIS}`);
    expect(flagRefusal({}, { CODEQ_REDIS_WAIT_TIMEOUT: '2s' })).toBe(`--redis-wait-timeout: ${NEEDS_REDIS}`);
    expect(flagRefusal({ 'redis-wait-replicas': '0' })).toBe(`--redis-wait-replicas: ${NEEDS_REDIS}`);
    expect(flagRefusal({ 'redis-prefix': 'foo', 'redis-start-timeout': '30s' })).toBe(
      '--redis-start-timeout, --redis-prefix: need the Redis store (--redis or --redis-sentinels)',
    );
    expect(refusal({ redisKeyPrefix: 'foo' })).toEqual(new UsageError(`--redis-prefix: ${NEEDS_REDIS}`));
    // With a Redis store they are taken; defaults and empty variables are not "given".
    expect(flagRefusal({ 'redis-prefix': 'foo', redis: 'redis://127.0.0.1:6390' })).toBeUndefined();
    expect(flagRefusal({ 'redis-prefix': 'foo', 'redis-sentinels': 'a:26379' })).toBeUndefined();
    expect(flagRefusal({}, { CODEQ_REDIS_PREFIX: '', CODEQ_REDIS_SENTINEL_NAME: '' })).toBeUndefined();
    expect(serverConfigFromFlags({}, {}).redisKeyPrefix).toBe('codeq');
  });

  it('refuses the Sentinel settings without --redis-sentinels, even when given their default', () => {
    const needs = 'needs --redis-sentinels HOST:PORT,... (only Sentinels use it)';
    expect(flagRefusal({ 'redis-sentinel-name': 'mymaster' })).toBe(`--redis-sentinel-name: ${needs}`);
    expect(flagRefusal({}, { CODEQ_REDIS_SENTINEL_NAME: 'mymaster' })).toBe(
      `--redis-sentinel-name: ${needs}`,
    );
    expect(flagRefusal({ 'redis-sentinel-password': 'x' })).toBe(`--redis-sentinel-password: ${needs}`);
    expect(flagRefusal({ 'redis-sentinel-name': 'm', redis: 'redis://127.0.0.1:6390' })).toBe(
      `--redis-sentinel-name: ${needs}`,
    );
    expect(flagRefusal({ 'redis-sentinel-name': 'm', 'redis-sentinel-password': 'x' })).toBe(
      '--redis-sentinel-name, --redis-sentinel-password: need --redis-sentinels HOST:PORT,... (only Sentinels use them)',
    );
    expect(refusal({ redisSentinelName: 'other' })).toBeInstanceOf(UsageError);
    // A whole config passed back to serverConfig, defaults and all, asks for nothing.
    expect(refusal({ ...serverConfig({}, {}), listen: '127.0.0.1:0' }, {})).toBeUndefined();
    expect(
      flagRefusal({
        'redis-sentinels': 'a:26379',
        'redis-sentinel-name': 'm',
        'redis-sentinel-password': 'x',
      }),
    ).toBeUndefined();
  });

  it('refuses a Cluster whose nodes are partly rediss://: one TLS option serves them all', () => {
    const url = 'rediss://a:7000,redis://b:7001';
    expect(flagRefusal({ redis: url, 'redis-cluster': true })).toBe(
      `--redis: give every node as rediss:// (TLS) or none of them, got ${JSON.stringify(url)}`,
    );
    expect(flagRefusal({ redis: 'rediss://a:7000,rediss://b:7001', 'redis-cluster': true })).toBeUndefined();
  });

  it('refuses a --redis with another scheme or a path without one, naming the forms it takes', () => {
    const forms = 'redis://HOST:PORT[/DB], rediss://HOST:PORT[/DB] for TLS, or HOST:PORT';
    for (const url of [
      'http://127.0.0.1:6390',
      'unix:///tmp/redis.sock',
      '127.0.0.1:6379/2',
      '/tmp/redis.sock',
    ])
      expect(flagRefusal({ redis: url })).toBe(`--redis: expected ${forms}, got ${JSON.stringify(url)}`);
    expect(flagRefusal({}, { CODEQ_REDIS_URL: 'http://h:6379' })).toBe(
      `--redis: expected ${forms}, got "http://h:6379"`,
    );
    expect(flagRefusal({ redis: 'REDISS://h:6380' })).toBe(
      '--redis: write rediss:// in lowercase for TLS, got "REDISS://h:6380"',
    );
    expect(flagRefusal({ redis: 'redis://a:7000,redis://b:7001' })).toMatch(
      /^--redis: a list of nodes needs --redis-cluster \(--redis-cluster --redis redis:\/\/a:7000,redis:\/\/b:7001\)/,
    );
    expect(flagRefusal({ redis: 'http://a:7000,b:7001', 'redis-cluster': true })).toBe(
      `--redis: expected the Cluster's nodes as redis://HOST:PORT,redis://HOST:PORT,... (or HOST:PORT,...), got "http://a:7000"`,
    );
    // Every form that reaches a Redis stays accepted.
    for (const url of [
      'redis://127.0.0.1:6379',
      'redis://:pw@127.0.0.1:6379/2',
      'redis://user:pw@[::1]:6379/0?family=6',
      'REDIS://h:6379',
      'rediss://h:6380',
      'h:6379',
      'h',
      '6379',
    ])
      expect(flagRefusal({ redis: url }), url).toBeUndefined();
    expect(flagRefusal({ redis: 'a:7000, redis://b:7001/0', 'redis-cluster': true })).toBeUndefined();
    expect(flagRefusal({ redis: 'rediss://:pw@h/1', 'redis-sentinels': 'a' })).toBeUndefined();
  });

  it('refuses a --redis-sentinels entry that is not HOST or HOST:PORT', () => {
    const expected = (got: string): string =>
      `--redis-sentinels: expected HOST:PORT,... (each Sentinel's host and port, 26379 when left out; no redis://), got ${JSON.stringify(got)}`;
    expect(flagRefusal({ 'redis-sentinels': 'a:26379,redis://b:26379' })).toBe(expected('redis://b:26379'));
    expect(flagRefusal({ 'redis-sentinels': 'a:port' })).toBe(expected('a:port'));
    expect(flagRefusal({ 'redis-sentinels': 'a:70000' })).toBe(expected('a:70000'));
    expect(flagRefusal({ 'redis-sentinels': ' , ' })).toBe(expected(' , '));
    expect(flagRefusal({}, { CODEQ_REDIS_SENTINELS: 'http://a' })).toBe(expected('http://a'));
    expect(
      flagRefusal({ 'redis-sentinels': '10.0.0.1:26379, sentinel-2 ,[::1]:26380,[::1]' }),
    ).toBeUndefined();
  });
});
