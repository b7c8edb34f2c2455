import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/cli/open-store.js';
import { serverConfig, type ServerConfig } from '../../src/config/server-config.js';
import { Redis } from 'ioredis';
import { startRedisServer, startSentinel } from '../../support/redis-server.js';
import { newTask } from '../support/new-task.js';
import { startCluster } from './redis-helpers.js';

const NAME = 'codeq';

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Opens the store as `codeq serve` does; resolves the error the start failed with and how long it took. */
async function failedStart(overrides: Partial<ServerConfig>): Promise<{ message: string; ms: number }> {
  const started = Date.now();
  try {
    const { store } = await openStore(serverConfig(overrides));
    await store.close();
  } catch (err) {
    return { message: (err as Error).message, ms: Date.now() - started };
  }
  throw new Error('the store opened');
}

/**
 * A start that cannot reach a usable Redis fails, naming the option to fix, instead of
 * retrying for good: a wrong password (of the Sentinels or of Redis) at once, an
 * unreachable host after --redis-start-timeout.
 */
describe('a Redis start that cannot succeed', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  it('names --redis-sentinel-password when the Sentinels refuse the password, or were given none', async () => {
    const primary = await startRedisServer();
    cleanup.push(() => primary.stop());
    const sentinel = await startSentinel(primary.port, NAME, { password: 'right-sentinel-pw' });
    cleanup.push(() => sentinel.stop());
    const base = {
      redisSentinels: `127.0.0.1:${sentinel.port}`,
      redisSentinelName: NAME,
      redisStartTimeoutMs: 60_000,
    };
    const wrong = await failedStart({ ...base, redisSentinelPassword: 'wrong-sentinel-pw' });
    expect(wrong.message).toContain('--redis-sentinel-password');
    expect(wrong.message).not.toContain('wrong-sentinel-pw');
    // Refused at once, not after the 60 s start timeout.
    expect(wrong.ms).toBeLessThan(30_000);
    const none = await failedStart(base);
    expect(none.message).toContain('--redis-sentinel-password');
  }, 90_000);

  it('names the password of --redis when the primary refuses it, standalone or behind Sentinels', async () => {
    const primary = await startRedisServer(['--requirepass', 'right-redis-pw']);
    cleanup.push(() => primary.stop());
    const wrong = await failedStart({
      redisUrl: `redis://:wrong-redis-pw@127.0.0.1:${primary.port}`,
      redisStartTimeoutMs: 60_000,
    });
    expect(wrong.message).toMatch(/--redis\b/);
    expect(wrong.message).toMatch(/password/);
    expect(wrong.message).not.toContain('wrong-redis-pw');
    expect(wrong.ms).toBeLessThan(30_000);
    const cluster = await failedStart({
      redisUrl: `redis://:wrong-redis-pw@127.0.0.1:${primary.port}`,
      redisCluster: true,
      redisStartTimeoutMs: 60_000,
    });
    expect(cluster.message).toMatch(/WRONGPASS.*--redis\b/);
    expect(cluster.message).not.toContain('wrong-redis-pw');
    const sentinel = await startSentinel(primary.port, NAME);
    cleanup.push(() => sentinel.stop());
    const behind = await failedStart({
      redisUrl: 'redis://:wrong-redis-pw@primary',
      redisSentinels: `127.0.0.1:${sentinel.port}`,
      redisSentinelName: NAME,
      redisStartTimeoutMs: 60_000,
    });
    expect(behind.message).toMatch(/--redis\b/);
    expect(behind.message).not.toContain('--redis-sentinel-password');
    expect(behind.message).not.toContain('wrong-redis-pw');
    expect(behind.ms).toBeLessThan(30_000);
  }, 90_000);

  it('gives up on unreachable Sentinels after --redis-start-timeout, naming both options', async () => {
    const port = await closedPort();
    const failed = await failedStart({
      redisSentinels: `127.0.0.1:${port}`,
      redisSentinelName: NAME,
      redisStartTimeoutMs: 2_000,
    });
    expect(failed.message).toContain('--redis-sentinels');
    expect(failed.message).toContain('--redis-start-timeout');
    expect(failed.ms).toBeGreaterThanOrEqual(1_900);
    expect(failed.ms).toBeLessThan(20_000);
  }, 30_000);

  it('refuses a database the URL names that Redis does not have, never falling back to database 0', async () => {
    const redis = await startRedisServer(['--databases', '4']);
    cleanup.push(() => redis.stop());
    const missing = await failedStart({ redisUrl: `${redis.url}/4`, redisStartTimeoutMs: 60_000 });
    expect(missing.message).toContain('names database 4, which this Redis does not have');
    expect(missing.message).toMatch(/--redis\b/);
    expect(missing.ms).toBeLessThan(30_000);
    const path = await failedStart({ redisUrl: `${redis.url}/queues` });
    expect(path.message).toMatch(/database "queues".*database number.*--redis\b/);
    const cluster = await failedStart({ redisUrl: `${redis.url}/3`, redisCluster: true });
    expect(cluster.message).toContain('a Redis Cluster has database 0 only');
    // The last one it has is used, and only it.
    const { store } = await openStore(serverConfig({ redisUrl: `${redis.url}/3` }));
    await store.enqueue([newTask('q')]);
    await store.close();
    const probe = new Redis(redis.url);
    try {
      expect(await probe.dbsize()).toBe(0);
      await probe.select(3);
      expect(await probe.dbsize()).toBeGreaterThan(0);
    } finally {
      probe.disconnect();
    }
  }, 90_000);

  it('names --redis when nothing listens at its address', async () => {
    const port = await closedPort();
    const failed = await failedStart({ redisUrl: `redis://127.0.0.1:${port}`, redisStartTimeoutMs: 60_000 });
    expect(failed.message).toContain(`127.0.0.1:${port}`);
    expect(failed.message).toMatch(/--redis\b/);
    expect(failed.ms).toBeLessThan(30_000);
  }, 60_000);

  it('gives up on a server that accepts the connection and never answers, after --redis-start-timeout', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanup.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });
    const { port } = silent.address() as { port: number };
    const failed = await failedStart({ redisUrl: `redis://127.0.0.1:${port}`, redisStartTimeoutMs: 2_000 });
    expect(failed.message).toContain('--redis-start-timeout');
    expect(failed.ms).toBeGreaterThanOrEqual(1_900);
    expect(failed.ms).toBeLessThan(20_000);
  }, 30_000);

  it('gives up on a Sentinel that does not know the primary name, naming --redis-sentinel-name', async () => {
    const primary = await startRedisServer();
    cleanup.push(() => primary.stop());
    const sentinel = await startSentinel(primary.port, NAME);
    cleanup.push(() => sentinel.stop());
    const failed = await failedStart({
      redisSentinels: `127.0.0.1:${sentinel.port}`,
      redisSentinelName: 'not-watched',
      redisStartTimeoutMs: 2_000,
    });
    expect(failed.message).toContain('--redis-sentinel-name');
    expect(failed.ms).toBeLessThan(20_000);
  }, 30_000);

  it('refuses a user whose ACL allows FUNCTION but not FCALL, naming the refusal and --redis', async () => {
    const redis = await startRedisServer();
    cleanup.push(() => redis.stop());
    const admin = new Redis(redis.url);
    try {
      await admin.call('ACL', 'SETUSER', 'nofcall', 'on', '>user-pw', '~*', '&*', '+@all', '-fcall');
    } finally {
      admin.disconnect();
    }
    const failed = await failedStart({
      redisUrl: `redis://nofcall:user-pw@127.0.0.1:${redis.port}`,
      redisStartTimeoutMs: 60_000,
    });
    expect(failed.message).toMatch(/NOPERM.*'fcall'.*the user in --redis\b/);
    expect(failed.message).not.toContain('user-pw');
    expect(failed.ms).toBeLessThan(30_000);
  }, 90_000);

  it('refuses a Redis Cluster node in --redis without --redis-cluster, naming --redis-cluster', async () => {
    const cluster = await startCluster(1);
    cleanup.push(() => cluster.stop());
    const failed = await failedStart({ redisUrl: cluster.nodes[0]!.url, redisStartTimeoutMs: 60_000 });
    expect(failed.message).toContain(`127.0.0.1:${cluster.nodes[0]!.port} is a Redis Cluster node`);
    expect(failed.message).toContain('--redis-cluster --redis redis://');
    expect(failed.ms).toBeLessThan(30_000);
  }, 90_000);

  it('refuses a Sentinel in --redis, naming --redis-sentinels', async () => {
    const primary = await startRedisServer();
    cleanup.push(() => primary.stop());
    const sentinel = await startSentinel(primary.port, NAME);
    cleanup.push(() => sentinel.stop());
    const failed = await failedStart({ redisUrl: sentinel.url, redisStartTimeoutMs: 60_000 });
    expect(failed.message).toContain(`127.0.0.1:${sentinel.port} is a Redis Sentinel`);
    expect(failed.message).toContain('--redis-sentinels');
    expect(failed.message).not.toContain('Redis 7.0');
    expect(failed.ms).toBeLessThan(30_000);
  }, 90_000);

  it('says codeQ needs Redis 7.0 when Redis has no FUNCTION command, at once', async () => {
    // A Redis older than 7.0 answers FUNCTION as an unknown command, as this one does.
    const old = await startRedisServer(['--rename-command', 'FUNCTION', '""']);
    cleanup.push(() => old.stop());
    const failed = await failedStart({ redisUrl: old.url, redisStartTimeoutMs: 60_000 });
    expect(failed.message).toContain('Redis 7.0 or newer');
    expect(failed.message).toContain(String(old.port));
    expect(failed.ms).toBeLessThan(30_000);
  }, 90_000);
});
