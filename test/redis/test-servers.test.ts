import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { startRedisServer } from '../../support/redis-server.js';
import { freePort } from '../../support/free-port.js';

/** A free port above 55,535, where a cluster node's default bus port (port + 10,000) does not exist. */
async function freeHighPort(): Promise<number> {
  for (let port = 55_536 + Math.floor(Math.random() * 5_000); port < 65_000; port++) {
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port above 55535');
}

describe('the test suite’s own redis-servers', () => {
  it('says why a redis-server that exits at start did', async () => {
    await expect(startRedisServer(['--no-such-directive', 'yes'])).rejects.toThrow(
      /exited with code 1: .*no-such-directive/,
    );
  });

  it('is not started by a cluster node that listened, then exited over its bus port', async () => {
    await expect(startRedisServer(['--cluster-enabled', 'yes'], await freeHighPort())).rejects.toThrow(
      /must be 55535 or less/,
    );
  });

  it('starts a cluster node on a high port when its bus port is given, as startCluster gives it', async () => {
    const node = await startRedisServer(
      ['--cluster-enabled', 'yes', '--cluster-port', String(await freePort())],
      await freeHighPort(),
    );
    const redis = new Redis(node.url);
    try {
      expect(String(await redis.call('CLUSTER', 'INFO'))).toContain('cluster_known_nodes:1');
    } finally {
      redis.disconnect();
      await node.stop();
    }
  });
});
