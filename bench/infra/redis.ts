import { spawnSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { startRedisServer, type TestRedis } from '../../support/redis-server.js';

/**
 * A private redis-server for one bench run, on a free port with a temporary directory
 * (never a Redis the bench did not start), and the INFO figures the bench reads from it.
 */
export class BenchRedis {
  readonly #server: TestRedis;

  private constructor(
    server: TestRedis,
    /** A connection for INFO, FLUSHALL between phases, and prefill checks. */
    readonly admin: Redis,
  ) {
    this.#server = server;
  }

  static async start(): Promise<BenchRedis> {
    // No persistence, as the tests run it; a bench measures the queue, not the disk.
    const server = await startRedisServer();
    const admin = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await admin.connect();
    return new BenchRedis(server, admin);
  }

  get url(): string {
    return this.#server.url;
  }

  get port(): number {
    return this.#server.port;
  }

  /** The redis-server's process id (INFO server). */
  async pid(): Promise<number> {
    return Number(field(await this.admin.info('server'), 'process_id'));
  }

  /** Empties this private server between runs. */
  async flush(): Promise<void> {
    await this.admin.flushall();
  }

  /** `used_memory` of INFO memory, bytes. */
  async usedMemory(): Promise<number> {
    return Number(field(await this.admin.info('memory'), 'used_memory'));
  }

  /** Redis's own CPU time (user + system of the main process and its threads), ms. */
  async cpuMs(): Promise<number> {
    const info = await this.admin.info('cpu');
    return Math.round((Number(field(info, 'used_cpu_user')) + Number(field(info, 'used_cpu_sys'))) * 1000);
  }

  /** Calls per command since start (`INFO commandstats`), e.g. `{ fcall: 1200, publish: 10 }`. */
  async commandCalls(): Promise<Record<string, number>> {
    return (await this.commandStats()).calls;
  }

  /** Calls and execution µs per command since start (`INFO commandstats`). */
  async commandStats(): Promise<{ calls: Record<string, number>; usec: Record<string, number> }> {
    const info = await this.admin.info('commandstats');
    const calls: Record<string, number> = {};
    const usec: Record<string, number> = {};
    for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
      calls[m[1]!] = Number(m[2]);
      usec[m[1]!] = Number(m[3]);
    }
    return { calls, usec };
  }

  /** µs Redis spent executing scripts (codeQ's FCALLs, a peer's EVAL/EVALSHA; not I/O) since start. */
  async scriptExecUs(): Promise<number> {
    const { usec } = await this.commandStats();
    return (usec.fcall ?? 0) + (usec.evalsha ?? 0) + (usec.eval ?? 0);
  }

  async stop(): Promise<void> {
    this.admin.disconnect();
    await this.#server.stop();
  }
}

function field(info: string, name: string): string {
  const m = new RegExp(`^${name}:(.*)$`, 'm').exec(info);
  if (!m) throw new Error(`INFO has no field ${name}`);
  return m[1]!.trim();
}

/** The redis-server version line, for the machine description. */
export function redisVersion(): string {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? (/v=(\S+)/.exec(probe.stdout)?.[1] ?? probe.stdout.trim()) : 'unknown';
}
