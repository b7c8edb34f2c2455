import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import {
  eventually,
  startFakeServer,
  type FakeClaimStream,
  type FakeServer,
} from '../../clients/testing/fake-codeq-server.js';
import { rawClients, startTestServer } from '../support/test-server.js';
import { CODEQ_FROM_SOURCES, ROOT } from '../support/codeq-cli.js';

function codeq(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const out = spawnSync(process.execPath, [...CODEQ_FROM_SOURCES, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

/** What {@link workOneTask} hands its test: the task, the `codeq work` process and how it ended. */
interface WorkRun {
  taskId: string;
  child: ChildProcess;
  /** The exit code; the process is killed after 50 s, so a hang fails the test instead of timing it out. */
  exited: Promise<number | null>;
  stderr: () => string;
  clients: ReturnType<typeof rawClients>;
}

/**
 * How long a {@link workOneTask} test may take: the CLI starts from its sources, which takes
 * seconds, and tens of seconds on a machine as loaded as the whole suite makes it.
 */
const WORK_TEST_MS = 60_000;
/** How long to wait for `codeq work` to start and run its command, on that loaded machine. */
const START_MS = 45_000;

/**
 * A memory-store server holding one task on queue `q`, and `codeq work q --exec COMMAND`
 * against it in a process group of its own, as a shell runs a foreground job (a terminal's
 * Ctrl-C signals the group).
 */
async function workOneTask(command: string, test: (run: WorkRun) => Promise<void>): Promise<void> {
  const server = await startTestServer(new MemoryStore());
  const clients = rawClients(server.address);
  try {
    const { taskId } = await clients.enqueue({ queue: 'q', payload: Buffer.from('x') });
    const child = spawn(
      process.execPath,
      [...CODEQ_FROM_SOURCES, 'work', 'q', '--exec', command, '--server', server.address],
      { cwd: ROOT, detached: true },
    );
    let err = '';
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), WORK_TEST_MS - 10_000);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve)).finally(() =>
      clearTimeout(timer),
    );
    try {
      await test({ taskId: taskId!, child, exited, stderr: () => err, clients });
    } catch (failure) {
      // A wait that ran out says what codeq work printed meanwhile (slow start, no stream ...).
      if (failure instanceof Error) failure.message += `\n--- codeq work's stderr:\n${err}`;
      throw failure;
    } finally {
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
      await exited;
    }
  } finally {
    clients.close();
    await server.stop();
  }
}

/**
 * `codeq work q --exec COMMAND` against a fake server whose Claim streams `onClaim`
 * scripts (answering the open, say); `test` drives the streams and reads the stderr.
 */
async function workAgainstFake(
  command: string,
  onClaim: (stream: FakeClaimStream) => void,
  test: (run: { server: FakeServer; stderr: () => string }) => Promise<void>,
  args: string[] = [],
): Promise<void> {
  const server = await startFakeServer({ onClaim });
  const child = spawn(
    process.execPath,
    [...CODEQ_FROM_SOURCES, 'work', 'q', '--exec', command, '--server', server.address, ...args],
    {
      cwd: ROOT,
    },
  );
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  try {
    await test({ server, stderr: () => err });
  } finally {
    child.kill('SIGKILL');
    await server.stop();
  }
}

describe('the codeq executable', () => {
  it('prints its version', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V'])
      expect(codeq([flag])).toMatchObject({ status: 0, stdout: `codeq ${version}\n` });
  }, 60_000);

  it('shows the environment variable of every serve and work option in --help', () => {
    // One process per command: each start of the executable costs seconds on a busy machine.
    const help = { serve: codeq(['serve', '--help']).stdout, work: codeq(['work', '--help']).stdout };
    for (const stdout of Object.values(help)) {
      const blocks = stdout.split(/\n(?= {2}-)/).filter((b) => /^ {2}--/.test(b));
      expect(blocks.length).toBeGreaterThan(3);
      for (const block of blocks) expect(block).toMatch(/Env: CODEQ_[A-Z_]+/);
    }
    expect(help.serve).toContain('--log-format FORMAT');
    expect(help.work).toContain('Env: CODEQ_CONCURRENCY');
    expect(help.work).toContain('Env: CODEQ_PREFETCH');
  }, 60_000);

  it('refuses a --console-login-limit it cannot read, naming the flag, before it serves', () => {
    const out = codeq([
      'serve',
      '--listen',
      '127.0.0.1:0',
      '--console-listen',
      '127.0.0.1:0',
      '--console-login-limit',
      'lots',
    ]);
    expect(out.status).not.toBe(0);
    expect(out.stderr).toMatch(/--console-login-limit: expected RATE or RATE\/BURST/);
  }, 60_000);

  it('logs one JSON object per line, each with a timestamp, with --log-format json', async () => {
    const child = spawn(
      process.execPath,
      [
        ...CODEQ_FROM_SOURCES,
        'serve',
        '--listen',
        '127.0.0.1:0',
        '--console-listen',
        '127.0.0.1:0',
        '--log-format',
        'json',
      ],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const deadline = Date.now() + 20_000;
    while (!out.includes('serving on') && Date.now() < deadline && child.exitCode === null) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(err).toBe('');
    const lines = out.trimEnd().split('\n');
    const records = lines.map((l) => JSON.parse(l) as { time: string; level: string; msg: string });
    for (const r of records) expect(r.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(records.map((r) => r.msg)).toEqual([
      expect.stringMatching(/^serving on 127\.0\.0\.1:\d+ with the memory store$/),
      expect.stringMatching(/^console on http:\/\/127\.0\.0\.1:\d+\/$/),
      'the memory store keeps nothing across restarts; pass --redis URL to keep tasks',
      'plaintext; no authentication: every caller may use every queue',
      expect.stringMatching(/^SIGTERM: draining/),
      'stopped',
    ]);
  }, 30_000);

  it('refuses an unknown log format, naming the flag, as a usage error (exit 2)', () => {
    const { status, stderr } = codeq(['serve', '--log-format', 'xml']);
    expect(status).toBe(2);
    expect(stderr).toContain('--log-format: expected text or json, got "xml"');
  });

  it('names the flag of a listener whose port is taken, and exits 1 without serving', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const taken = `127.0.0.1:${(holder.address() as AddressInfo).port}`;
    try {
      const grpc = codeq(['serve', '--listen', taken, '--no-console', '--log-format', 'json']);
      expect(grpc.status).toBe(1);
      // grpc-js's own line is part of the server's log, in its format.
      expect(grpc.stdout).toMatch(/^\{.*"level":"error","msg":"grpc: No address added/m);
      expect(grpc.stderr).not.toMatch(/^E /m);
      expect(grpc.stderr).toContain(
        `codeq: --listen ${taken}: the address is in use (another codeq serve?); choose another port, or 0 for a free one`,
      );
      const web = codeq(['serve', '--listen', '127.0.0.1:0', '--console-listen', taken]);
      expect(web.status).toBe(1);
      expect(web.stderr).toMatch(
        new RegExp(`codeq: --console-listen ${taken}: the address is in use .*, or --no-console`),
      );
      expect(web.stdout).not.toContain('serving on');
    } finally {
      holder.close();
    }
    // Two starts of the executable, each seconds on a busy machine.
  }, 90_000);

  it('codeq work says at once why it has no stream yet, and keeps trying', async () => {
    // A port nothing listens on: one opened and closed again.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const address = `127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const child = spawn(
      process.execPath,
      [...CODEQ_FROM_SOURCES, 'work', 'q', '--exec', 'cat', '--server', address],
      {
        cwd: ROOT,
      },
    );
    try {
      let err = '';
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      const deadline = Date.now() + 30_000;
      while (!err.includes('\n') && Date.now() < deadline && child.exitCode === null) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // The first failed attempt, not the library's warning after several, stamped with
      // the time as every line of the worker's log.
      expect(err.split('\n')[0]).toMatch(
        new RegExp(
          `^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z codeq work: cannot reach the server: connect ECONNREFUSED ${address} .*\\(attempt 1\\)$`,
        ),
      );
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGKILL');
    }
  });

  it(
    'codeq work gives the task back and stops with exit 1 when its command cannot be run',
    async () => {
      await workOneTask('codeq-no-such-command-here', async ({ taskId, exited, stderr, clients }) => {
        // Before the fix it never exited, failing every attempt: the wait is bounded.
        const status = await exited;
        const err = stderr();
        expect(status, err).toBe(1);
        expect(err).toContain(
          `task ${taskId} (q, attempt 1/5) given back, attempt not counted: COMMAND could not be run (exit code 127`,
        );
        expect(err).toMatch(/codeq work: stopping: check --exec \(or CODEQ_EXEC\)/);
        expect(err).not.toMatch(/failed:/);
        const task = await clients.getTask({ queue: 'q', taskId });
        expect(task).toMatchObject({ state: 'PENDING', attempt: 0, lastError: '' });
      });
    },
    WORK_TEST_MS,
  );

  it(
    'codeq work says a task whose command exits 65 failed for good',
    async () => {
      await workOneTask('exit 65', async ({ taskId, stderr, clients }) => {
        const line = `task ${taskId} (q, attempt 1/5) failed for good, no retry (exit 65): exit code 65`;
        await expect.poll(() => stderr(), { timeout: START_MS, interval: 50 }).toContain(line);
        await expect.poll(async () => (await clients.getTask({ queue: 'q', taskId })).state).toBe('DEAD');
      });
    },
    WORK_TEST_MS,
  );

  it('codeq work says a task completed only once the server stored its result', async () => {
    await workAgainstFake(
      'echo done',
      (s) => s.autoOpen(),
      async ({ server, stderr }) => {
        const stream = await server.stream(0, 30_000);
        const [refused] = stream.lease(1, { id: 'refused-task' });
        await stream.next((r) => r.completes.length > 0, 'the first complete', 30_000);
        stream.send({
          outcomes: [{ leaseId: refused, kind: 'COMPLETE', code: 9, message: 'lease expired' }],
        });
        const [stored] = stream.lease(1, { id: 'stored-task' });
        await stream.next((r) => r.completes.length > 0, 'the second complete', 30_000);
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(stderr()).not.toContain('stored-task (q, attempt 1/5) completed');
        stream.send({ outcomes: [{ leaseId: stored, kind: 'COMPLETE', code: 0 }] });
        await eventually(
          () => stderr().includes('task stored-task (q, attempt 1/5) completed in '),
          'the completed line',
        );
        expect(stderr()).toMatch(/lease .* lost: COMPLETE refused with code 9/);
        expect(stderr()).not.toContain('refused-task (q, attempt 1/5) completed');
      },
    );
  });

  it('codeq work says a failure on the last attempt leaves the task DEAD', async () => {
    const openAndAck = (s: FakeClaimStream): void => {
      s.autoOpen();
      s.autoAck();
    };
    await workAgainstFake('exit 3', openAndAck, async ({ server, stderr }) => {
      const stream = await server.stream(0, 30_000);
      stream.lease(1, { id: 'early', attempt: 1, maxAttempts: 3 });
      await eventually(() => stderr().includes('task early '), 'the first line', 20_000);
      stream.lease(1, { id: 'last', attempt: 3, maxAttempts: 3 });
      await eventually(() => stderr().includes('task last '), 'the last line', 10_000);
      expect(stderr()).toContain('task early (q, attempt 1/3) failed: exit code 3');
      expect(stderr()).toContain(
        'task last (q, attempt 3/3) failed on its last attempt, now DEAD: exit code 3',
      );
    });
  });

  it('codeq work says when the server grants shorter leases than --lease-duration asks', async () => {
    await workAgainstFake(
      'cat',
      // As a server with --max-lease-age 1m answers an open that asks for 2 h.
      (s) =>
        s.call.once('data', () => s.send({ opened: { sessionId: 's', leaseDuration: { seconds: 60 } } })),
      async ({ stderr }) => {
        await eventually(() => stderr().includes('taking tasks of q'), 'the banner', 30_000);
        await eventually(() => stderr().includes('leases last'), 'the granted lease', 5_000);
        expect(stderr()).toContain(
          "codeq work: leases last 1m, the server's --max-lease-age, not the 2h of --lease-duration; they are extended while COMMAND runs",
        );
      },
      ['--lease-duration', '2h'],
    );
  });

  it('codeq work says how many tasks the server lets it run when --concurrency is above its cap', async () => {
    await workAgainstFake(
      'cat',
      // As a server with the default --max-stream-credit answers an open.
      (s) => s.call.once('data', () => s.send({ opened: { sessionId: 's', maxCredit: 1000 } })),
      async ({ stderr }) => {
        await eventually(() => stderr().includes('taking tasks of q'), 'the banner', 30_000);
        await eventually(() => stderr().includes('--max-stream-credit'), 'the cap', 5_000);
        expect(stderr()).toMatch(/codeq work: taking tasks of q from \S+, 1000 at a time\n/);
        expect(stderr()).toContain(
          "codeq work: the server lets a worker hold at most 1000 leases at a time, its --max-stream-credit, not the 5000 of --concurrency; run more workers, or raise the server's --max-stream-credit",
        );
      },
      ['--concurrency', '5000'],
    );
  });

  it('codeq work says at once when its stream ends, and when one opens again', async () => {
    await workAgainstFake(
      'cat',
      (s) => s.autoOpen(),
      async ({ server, stderr }) => {
        const first = await server.stream(0, 30_000);
        await eventually(() => stderr().includes('taking tasks of q'), 'the banner', 30_000);
        first.end(14, 'Connection dropped');
        await server.stream(1, 10_000);
        await eventually(
          () => stderr().includes('Claim stream open again'),
          'the line of its return',
          10_000,
        );
        const lines = stderr().split('\n');
        const ended = lines.findIndex(
          (l) =>
            l.endsWith(
              `codeq work: the Claim stream ended (Connection dropped, gRPC status 14); reconnecting to ${server.address} now`,
            ) ||
            new RegExp(
              `codeq work: the Claim stream ended \\(Connection dropped, gRPC status 14\\); reconnecting to ${server.address} in \\d+\\.\\d s$`,
            ).test(l),
        );
        expect(ended, stderr()).toBeGreaterThan(0);
        expect(lines[ended + 1]).toMatch(
          /codeq work: Claim stream open again after \d+\.\d s \(1 attempt\)$/,
        );
      },
    );
  });

  it('codeq work says why the server ended its stream for good (a revoked token), and keeps trying', async () => {
    await workAgainstFake(
      'cat',
      (s) => s.autoOpen(),
      async ({ server, stderr }) => {
        const first = await server.stream(0, 30_000);
        await eventually(() => stderr().includes('taking tasks of q'), 'the banner', 30_000);
        first.end(16, 'authorization: unknown token');
        await server.stream(1, 10_000);
        expect(stderr()).toContain(
          'codeq work: the Claim stream ended: authorization: unknown token (gRPC status 16); give one with --token TOKEN or, better, CODEQ_TOKEN; trying again',
        );
      },
    );
  });

  it(
    'codeq work lets the running command finish on a Ctrl-C, and then stops',
    async () => {
      await workOneTask(
        'echo started >&2; sleep 2; echo done',
        async ({ taskId, child, exited, stderr, clients }) => {
          // Signalled once the command runs in its own process group, as a terminal's Ctrl-C comes.
          await eventually(() => stderr().includes('started'), 'the command to start', START_MS);
          process.kill(-child.pid!, 'SIGINT');
          const status = await exited;
          expect(status, stderr()).toBe(0);
          expect(stderr()).toContain('SIGINT: finishing running tasks');
          const task = await clients.getTask({ queue: 'q', taskId });
          expect(task).toMatchObject({ state: 'COMPLETED', attempt: 1 });
          expect(task.result?.toString()).toBe('done\n');
        },
      );
    },
    WORK_TEST_MS,
  );

  it(
    'codeq work stops the running command on a second Ctrl-C and gives its task back uncounted',
    async () => {
      await workOneTask('echo started >&2; sleep 30', async ({ taskId, child, exited, stderr, clients }) => {
        // The banner follows the signal handlers; the command runs in its own process group.
        await eventually(() => stderr().includes('taking tasks of q'), 'the banner', START_MS);
        await eventually(() => stderr().includes('started'), 'the command to start', 10_000);
        process.kill(-child.pid!, 'SIGINT');
        await eventually(
          () => stderr().includes('SIGINT: finishing running tasks'),
          'the first stop',
          10_000,
        );
        const started = Date.now();
        process.kill(-child.pid!, 'SIGINT');
        const status = await exited;
        expect(status, stderr()).toBe(130);
        expect(Date.now() - started).toBeLessThan(5_000);
        expect(stderr()).toContain('SIGINT again: stopping running commands now');
        // Released, not left to the reconnect grace and the lease's end: no attempt spent.
        expect(await clients.getTask({ queue: 'q', taskId })).toMatchObject({ state: 'PENDING', attempt: 0 });
      });
    },
    WORK_TEST_MS,
  );

  /**
   * One SIGTERM for `codeq work` and its command, as systemd stops every process of a
   * unit: the task goes back with its attempt not counted, whichever process the signal
   * reaches first (`commandFirst`: the command's, 50 ms ahead).
   */
  const sameSigtermGivesBack = (commandFirst: boolean) =>
    workOneTask('echo "pid $$" >&2; sleep 30', async ({ taskId, child, exited, stderr, clients }) => {
      await eventually(() => stderr().includes('taking tasks of q'), 'the banner', START_MS);
      await eventually(() => /pid \d+/.test(stderr()), 'the command to start', 10_000);
      const commandPid = Number(/pid (\d+)/.exec(stderr())![1]);
      if (commandFirst) {
        process.kill(-commandPid, 'SIGTERM');
        await new Promise((resolve) => setTimeout(resolve, 50));
        process.kill(-child.pid!, 'SIGTERM');
      } else {
        process.kill(-child.pid!, 'SIGTERM');
        process.kill(-commandPid, 'SIGTERM');
      }
      const status = await exited;
      expect(status, stderr()).toBe(0);
      expect(stderr()).toContain(
        'given back, attempt not counted: COMMAND got the SIGTERM that stops codeq work',
      );
      expect(await clients.getTask({ queue: 'q', taskId })).toMatchObject({ state: 'PENDING', attempt: 0 });
    });

  it(
    'codeq work gives back a task whose command got the same SIGTERM (systemd stops every process)',
    () => sameSigtermGivesBack(false),
    WORK_TEST_MS,
  );

  it(
    'codeq work gives back the task as well when its command dies of that SIGTERM before codeq work hears it',
    () => sameSigtermGivesBack(true),
    WORK_TEST_MS,
  );

  it('enqueues a payload piped in by a writer that takes its time', async () => {
    const server = await startTestServer(new MemoryStore());
    const clients = rawClients(server.address);
    try {
      // As a shell runs `slow-producer | codeq enqueue q`: the pipe holds part of the payload
      // while the command starts (a few seconds from the sources), the rest comes later.
      const cli = [process.execPath, ...CODEQ_FROM_SOURCES].map((arg) => `'${arg}'`).join(' ');
      const pipeline = `(printf 'hello '; sleep 6; printf world) | ${cli} enqueue q --server ${server.address}`;
      const child = spawn('/bin/sh', ['-c', pipeline], { cwd: ROOT });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const status = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(status, stderr).toBe(0);
      const task = await clients.getTask({ queue: 'q', taskId: stdout.trim() });
      expect(task.payload?.toString()).toBe('hello world');
    } finally {
      clients.close();
      await server.stop();
    }
  }, 60_000);

  it('names the flag of a file it cannot read', () => {
    const missing = join(ROOT, 'no-such-dir', 'file');
    const enqueue = codeq(['enqueue', 'q', '--payload-file', missing, '--server', '127.0.0.1:1']);
    expect(enqueue.stderr).toBe(
      `codeq: --payload-file: cannot read ${missing}: ENOENT: no such file or directory, open '${missing}'\n`,
    );
    expect(enqueue.status).toBe(2);
    const serve = codeq(['serve', '--listen', '127.0.0.1:0', '--auth-token-file', missing]);
    expect(serve.stderr).toContain(`codeq: --auth-token-file: cannot read ${missing}: ENOENT`);
    expect(serve.status).toBe(1);
  }, 90_000); // two starts of the CLI from source, each seconds long on a loaded machine

  it('refuses to serve /metrics beyond loopback without --metrics-token', () => {
    const { status, stderr } = codeq(['serve', '--listen', '127.0.0.1:0', '--metrics-listen', '0.0.0.0:0']);
    expect(status).toBe(1);
    expect(stderr).toMatch(/--metrics-listen 0\.0\.0\.0:0: without --metrics-token \(CODEQ_METRICS_TOKEN\)/);
  }, 60_000);
});
