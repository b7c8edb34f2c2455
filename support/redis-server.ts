import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

/** A redis-server this test run started itself, on a free port with a temporary directory. */
export interface TestRedis {
  url: string;
  port: number;
  /** Where the server keeps its files (AOF, RDB); a restart on the same `dir` reads them back. */
  dir: string;
  /** Stops the server and deletes its directory. */
  stop(): Promise<void>;
  /** Kills the server with SIGKILL, as a crash would, and keeps its directory for a restart. */
  kill(): Promise<void>;
}

const INSTALL_HINT =
  'redis-server was not found on PATH. The Redis store tests need a real Redis (7 or newer): ' +
  'install it with `sudo apt-get install -y redis-server` (Debian/Ubuntu) or `brew install redis` (macOS).';

/** Fails with install instructions when redis-server is missing: tests never skip silently. */
export function requireRedisServer(): string {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) throw new Error(INSTALL_HINT);
  return probe.stdout.trim();
}

/**
 * Resolves once `child` answers PING on `port`. One that exits first fails it with its
 * last log lines (`lastLines`, read once `closed`: its output is all in).
 */
async function waitForPort(
  port: number,
  child: ChildProcess,
  timeoutMs: number,
  closed: Promise<unknown>,
  lastLines: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      await closed;
      throw new Error(`redis-server exited with code ${child.exitCode}: ${lastLines()}`);
    }
    const open = await new Promise<boolean>((resolve) => {
      // A reply to PING, not only an open port: a cluster node listens before it reads
      // its cluster settings, and may still exit over them (any reply counts, -NOAUTH too).
      const socket = connect(port, '127.0.0.1');
      socket.setTimeout(1_000, () => socket.destroy());
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.once('data', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => socket.destroy());
      socket.once('close', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline)
      throw new Error(`redis-server did not listen on port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Starts a private redis-server on a free port, or on `port` (to restart a server a test
 * stopped); nothing is persisted outside its temporary directory, or `dir` (to restart a
 * server a test killed on the data it left).
 */
export async function startRedisServer(
  extraArgs: string[] = [],
  port?: number,
  dir: string = mkdtempSync(join(tmpdir(), 'codeq-redis-')),
): Promise<TestRedis> {
  requireRedisServer();
  port ??= await freePort();
  return spawnRedis(
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'yes',
      ...extraArgs,
    ],
    port,
    dir,
  );
}

/** A Redis Sentinel this test run started: a TestRedis whose `port` speaks the Sentinel protocol. */
export type TestSentinel = TestRedis;

/**
 * Starts `redis-server --sentinel` on a free port, watching the primary on `primaryPort`
 * as `name`. Its config file (which Sentinel rewrites) lives in its own temporary
 * directory. Timings are short so a test's failover takes seconds: the primary counts as
 * down after `downAfterMs`. With `password`, the Sentinel asks its clients for it (`requirepass`).
 */
export async function startSentinel(
  primaryPort: number,
  name: string,
  options: { quorum?: number; downAfterMs?: number; password?: string } = {},
): Promise<TestSentinel> {
  requireRedisServer();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'codeq-sentinel-'));
  const config = join(dir, 'sentinel.conf');
  writeFileSync(
    config,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${primaryPort} ${options.quorum ?? 1}`,
      `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 1000}`,
      `sentinel failover-timeout ${name} 5000`,
      `sentinel parallel-syncs ${name} 1`,
      ...(options.password === undefined ? [] : [`requirepass ${options.password}`]),
      '',
    ].join('\n'),
  );
  return spawnRedis([config, '--sentinel'], port, dir);
}

async function spawnRedis(args: string[], port: number, dir: string): Promise<TestRedis> {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  // redis-server logs to stdout, and a bad setting to stderr: the last lines say why one
  // that exits at start did.
  let log = '';
  for (const out of [child.stdout, child.stderr]) {
    out.setEncoding('utf8');
    out.on('data', (chunk: string) => (log = (log + chunk).slice(-2_000)));
  }
  const lastLines = (): string => log.trim().split('\n').slice(-3).join(' | ') || '(no output)';
  const closed = new Promise((r) => child.once('close', r));
  try {
    await waitForPort(port, child, 10_000, closed, lastLines);
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const exited = new Promise((r) => child.once('exit', r));
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      // A killed server has a signalCode and no exitCode: it must not be waited for twice.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
