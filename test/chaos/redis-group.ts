import { rmSync } from 'node:fs';
import { Redis } from 'ioredis';
import {
  startRedisServer,
  startSentinel,
  type TestRedis,
  type TestSentinel,
} from '../../support/redis-server.js';
import { waitUntil } from './wait.js';

/** The name the Sentinel watches the primary by (`--redis-sentinel-name`). */
export const PRIMARY_NAME = 'codeq';

/**
 * Every write is in the AOF, fsynced, before Redis answers: a primary killed and restarted
 * on its directory comes back with all it acknowledged, so only a failover can lose data.
 */
const DURABLE = ['--appendonly', 'yes', '--appendfsync', 'always'];

/** A connection for one admin command: no retries, so a node that is down fails the call fast. */
function adminClient(url: string): Redis {
  return new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 2_000,
    retryStrategy: () => null,
  });
}

/** One redis-server of the group, restartable on its port and directory. */
interface Node {
  port: number;
  dir: string;
  server: TestRedis | null;
}

/**
 * A primary and one replica of it, with a Sentinel watching them, on free loopback ports
 * in temporary directories. Which node is primary changes as faults fail it over; the
 * Sentinel is asked each time.
 */
export class RedisGroup {
  readonly #nodes: Node[];

  private constructor(
    nodes: Node[],
    readonly sentinel: TestSentinel,
  ) {
    this.#nodes = nodes;
  }

  static async start(): Promise<RedisGroup> {
    const primary = await startRedisServer(DURABLE);
    const replica = await startRedisServer([...DURABLE, '--replicaof', '127.0.0.1', String(primary.port)]);
    const sentinel = await startSentinel(primary.port, PRIMARY_NAME, { downAfterMs: 2_000 });
    const group = new RedisGroup(
      [primary, replica].map((s) => ({ port: s.port, dir: s.dir, server: s })),
      sentinel,
    );
    await group.waitHealthy(30_000);
    return group;
  }

  /** `host:port` of the Sentinel, as `--redis-sentinels` takes it. */
  get sentinelList(): string {
    return `127.0.0.1:${this.sentinel.port}`;
  }

  /** The port the Sentinel names as the primary. */
  async primaryPort(): Promise<number> {
    const admin = adminClient(this.sentinel.url);
    try {
      const [, port] = (await admin.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', PRIMARY_NAME)) as string[];
      return Number(port);
    } finally {
      admin.disconnect();
    }
  }

  /**
   * Resolves once both nodes run, the Sentinel's primary calls itself primary with one
   * replica online, and the Sentinel knows that replica: the state every fault starts from.
   */
  async waitHealthy(timeoutMs: number): Promise<void> {
    await waitUntil(
      async () => {
        if (this.#nodes.some((n) => n.server === null)) return 'a node is down';
        const port = await this.primaryPort();
        const admin = adminClient(`redis://127.0.0.1:${port}`);
        try {
          const info = await admin.info('replication');
          if (!info.includes('role:master')) return `the Sentinel's primary ${port} is not a master yet`;
          if (!/^slave0:.*state=online/m.test(info)) return `primary ${port} has no replica online`;
        } finally {
          admin.disconnect();
        }
        const sentinel = adminClient(this.sentinel.url);
        try {
          const replicas = (await sentinel.call('SENTINEL', 'REPLICAS', PRIMARY_NAME)) as string[][];
          const known = replicas.filter((r) => {
            const flags = r[r.indexOf('flags') + 1] ?? '';
            return !flags.includes('down') && !flags.includes('disconnected');
          });
          if (known.length < 1) return 'the Sentinel knows no healthy replica';
        } finally {
          sentinel.disconnect();
        }
        return null;
      },
      timeoutMs,
      'the Redis group to be healthy',
    );
  }

  #node(port: number): Node {
    const node = this.#nodes.find((n) => n.port === port);
    if (!node) throw new Error(`no redis-server of the group on port ${port}`);
    return node;
  }

  /** SIGKILL of the redis-server on `port`, as a crash; its directory (AOF) is kept. */
  async kill(port: number): Promise<void> {
    const node = this.#node(port);
    await node.server?.kill();
    node.server = null;
  }

  /**
   * Starts the redis-server on `port` again on its directory. It comes up as a primary
   * with its AOF; when another node was promoted meanwhile, the Sentinel turns it into a
   * replica of that one.
   */
  async restart(port: number): Promise<void> {
    const node = this.#node(port);
    if (node.server) return;
    node.server = await startRedisServer(DURABLE, node.port, node.dir);
  }

  /**
   * Asks the Sentinel to fail the primary over to the replica (SENTINEL FAILOVER), again
   * while it answers NOGOODSLAVE: just after a restart it has not judged the replica yet.
   */
  async failover(): Promise<void> {
    const admin = adminClient(this.sentinel.url);
    try {
      await waitUntil(
        async () => {
          await admin.call('SENTINEL', 'FAILOVER', PRIMARY_NAME);
          return null;
        },
        30_000,
        'the Sentinel to accept SENTINEL FAILOVER',
      );
    } finally {
      admin.disconnect();
    }
  }

  /** Resolves once the Sentinel names a primary other than `port`. */
  async waitPrimaryOtherThan(port: number, timeoutMs: number): Promise<number> {
    let now = port;
    await waitUntil(
      async () => {
        now = await this.primaryPort();
        return now === port ? `the Sentinel still names ${port}` : null;
      },
      timeoutMs,
      'the Sentinel to promote the replica',
    );
    return now;
  }

  async stop(): Promise<void> {
    await this.sentinel.stop();
    for (const node of this.#nodes) {
      if (node.server) await node.server.stop();
      else rmSync(node.dir, { recursive: true, force: true });
    }
  }
}
