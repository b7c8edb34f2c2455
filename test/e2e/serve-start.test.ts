import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../support/free-port.js';
import { startRedisServer, type TestRedis } from '../../support/redis-server.js';
import { CODEQ_FROM_SOURCES, ROOT } from '../support/codeq-cli.js';

const PASSWORD = 'pw-that-must-not-leak-7d1f';

interface Run {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | string>;
}

function codeq(args: string[]): Run {
  const child = spawn(process.execPath, [...CODEQ_FROM_SOURCES, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  return { child, output: () => text, exited };
}

/**
 * `codeq serve` on the Redis at `redis`, on `listen`, with its web console on a free port
 * (on the default 7071 it would collide with a codeQ already running on this machine).
 */
function serve(redis: string, listen = '127.0.0.1:0', more: string[] = []): Run {
  return codeq(['serve', '--listen', listen, '--console-listen', '127.0.0.1:0', '--redis', redis, ...more]);
}

/** Resolves with the exit code, or 'still running' when the process outlives `ms`. */
function exitWithin(run: Run, ms: number): Promise<number | string> {
  return Promise.race([
    run.exited,
    new Promise<string>((resolve) => setTimeout(() => resolve('still running'), ms)),
  ]);
}

async function waitFor(run: Run, text: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!run.output().includes(text)) {
    if (Date.now() > deadline || run.child.exitCode !== null)
      throw new Error(`no "${text}" in:\n${run.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function occupiedPort(): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function portOf(server: Server): number {
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('not listening');
  return address.port;
}

describe('codeq serve on Redis with a password', () => {
  let redis: TestRedis;
  let url: string;
  beforeAll(async () => {
    redis = await startRedisServer(['--requirepass', PASSWORD]);
    url = `redis://default:${PASSWORD}@127.0.0.1:${redis.port}`;
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('exits non-zero, closing its Redis connections, when its port is in use', async () => {
    const busy = await occupiedPort();
    try {
      const run = serve(url, `127.0.0.1:${portOf(busy)}`);
      // Held open by its Redis connections, the process would never exit on its own.
      const code = await exitWithin(run, 20_000);
      if (code === 'still running') run.child.kill('SIGKILL');
      expect(code).toBe(1);
      expect(run.output()).toMatch(/EADDRINUSE|address already in use|No address added/i);
      expect(run.output()).not.toContain(PASSWORD);
    } finally {
      busy.close();
    }
  }, 30_000);

  it('keeps the password off /metrics and out of its log', async () => {
    const metricsPort = await freePort();
    const run = serve(url, '127.0.0.1:0', ['--metrics-listen', `127.0.0.1:${metricsPort}`]);
    try {
      await waitFor(run, 'serving on');
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      // target_info carries the resource attributes: the process is named, not its arguments.
      expect(text).toContain('target_info');
      expect(text).toContain('process_pid');
      expect(text).not.toContain('process_command_args');
      expect(text).not.toContain(PASSWORD);
      expect(run.output()).toContain('redis (redis://default:***@');
    } finally {
      run.child.kill('SIGTERM');
      expect(await exitWithin(run, 20_000)).toBe(0);
    }
    expect(run.output()).not.toContain(PASSWORD);
  }, 30_000);

  it('names the URL, without its password, and the cause when Redis cannot be reached', async () => {
    const closed = await freePort();
    const run = serve(`redis://default:${PASSWORD}@127.0.0.1:${closed}`);
    const code = await exitWithin(run, 20_000);
    if (code === 'still running') run.child.kill('SIGKILL');
    expect(code).toBe(1);
    expect(run.output()).toContain(`redis://default:***@127.0.0.1:${closed}`);
    expect(run.output()).toMatch(/ECONNREFUSED|connection refused/i);
    expect(run.output()).not.toContain(PASSWORD);
  }, 30_000);
});
