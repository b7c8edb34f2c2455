import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Producer, TaskError, Worker } from '../../clients/index.js';
import { queuesCommand, statsCommand, tasksCommand } from '../../src/cli/admin-commands.js';
import { deadCommand, pauseCommand, purgeCommand } from '../../src/cli/queue-commands.js';
import { runCli } from '../../src/cli/codeq.js';
import { enqueueCommand, getCommand } from '../../src/cli/task-commands.js';
import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import { captureCli } from '../support/codeq-cli.js';
import { newTask } from '../support/new-task.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let server: TestServer;
let store: MemoryStore;
let producer: Producer;
const { lines, errors, exitCode } = captureCli();

beforeAll(async () => {
  // Backoff jitter fixed at half the bound, so a task's retry delay shows its policy.
  store = new MemoryStore({ random: () => 0.5 });
  server = await startTestServer(store);
  producer = new Producer({ address: server.address });
});

afterAll(async () => {
  producer.close();
  await server.stop();
  await store.close();
});

afterEach(() => {
  delete process.env.CODEQ_TASKS_STATE;
  delete process.env.CODEQ_PURGE_YES;
  delete process.env.CODEQ_BACKOFF_MULTIPLIER;
});

function queue(name: string): string {
  return `${name}-${Math.random().toString(36).slice(2, 8)}`;
}

const output = (): string => lines.join('\n');

describe('codeq operator commands', () => {
  it('each has --help naming its options and their variables', async () => {
    const cases: [(argv: string[]) => Promise<number>, RegExp[]][] = [
      [
        (a) => statsCommand(a),
        [/codeq stats \[QUEUE\]/, /--watch/, /CODEQ_STATS_WATCH/, /CODEQ_STATS_INTERVAL/],
      ],
      [queuesCommand, [/codeq queues/, /CODEQ_SERVER/]],
      [tasksCommand, [/codeq tasks QUEUE/, /--state STATE/, /CODEQ_TASKS_STATE/, /CODEQ_TASKS_LIMIT/]],
      [deadCommand, [/codeq dead redrive QUEUE \[TASK_ID\.\.\.\]/, /CODEQ_TOKEN/]],
      [pauseCommand(true), [/codeq pause QUEUE/]],
      [pauseCommand(false), [/codeq resume QUEUE/]],
      [purgeCommand, [/codeq purge QUEUE --yes/, /CODEQ_PURGE_YES/]],
      [
        enqueueCommand,
        [/--initial-backoff DURATION/, /CODEQ_MAX_BACKOFF/, /CODEQ_BACKOFF_MULTIPLIER/, /CODEQ_ENQUEUE_WAIT/],
      ],
    ];
    for (const [command, patterns] of cases) {
      lines.length = 0;
      expect(await command(['--help'])).toBe(0);
      for (const p of patterns) expect(output()).toMatch(p);
    }
    lines.length = 0;
    await runCli(['--help']);
    for (const name of ['stats', 'queues', 'tasks', 'dead', 'pause', 'resume', 'purge'])
      expect(output()).toMatch(new RegExp(`^  ${name} `, 'm'));
  });

  it('a mistyped command line exits 2 and points at the help; a failed command exits 1', async () => {
    expect(await exitCode(['enqueue', '--queue', 'q', '--server', server.address])).toBe(2);
    expect(errors.at(-1)).toBe('codeq: unknown option --queue (codeq enqueue --help lists the options)');
    expect(await exitCode(['get', 'only-a-queue', '--server', server.address])).toBe(2);
    expect(errors.at(-1)).toMatch(/^codeq: expected QUEUE and TASK_ID\n\nUsage: codeq get QUEUE TASK_ID/);
    expect(
      await exitCode(['enqueue', 'q', '--payload', 'p', '--delay', 'soon', '--server', server.address]),
    ).toBe(2);
    expect(errors.at(-1)).toMatch(/^codeq: --delay: expected milliseconds or a duration/);
    expect(
      await exitCode(['enqueue', 'q', '--payload', 'p', '--count', '0', '--server', server.address]),
    ).toBe(2);
    expect(errors.at(-1)).toBe('codeq: --count: must be at least 1, got "0"');
    const keyed = queue('cli-keyed-count');
    expect(
      await exitCode([
        'enqueue',
        keyed,
        '--payload',
        'p',
        '--count',
        '3',
        '--idempotency-key',
        'k',
        '--server',
        server.address,
      ]),
    ).toBe(2);
    expect(errors.at(-1)).toMatch(/^codeq: --idempotency-key: only with a single task/);
    expect((await store.stats(keyed)).ready).toBe(0);
    process.env.CODEQ_BACKOFF_MULTIPLIER = 'x';
    expect(await exitCode(['enqueue', 'q', '--payload', 'p', '--server', server.address])).toBe(2);
    delete process.env.CODEQ_BACKOFF_MULTIPLIER;
    expect(await exitCode(['get', queue('cli-missing'), 'no-such-task', '--server', server.address])).toBe(1);
    expect(errors.at(-1)).toMatch(/^codeq: .*no-such-task/);
    // A refused task names its field as the user gave it, not as the wire carries it, and
    // exits 2 like any value that is wrong.
    expect(await exitCode(['enqueue', 'no spaces', '--payload', 'p', '--server', server.address])).toBe(2);
    expect(errors.at(-1)).toMatch(/^codeq: queue: must match .* got "no spaces" \(gRPC status 3\)$/);
    expect(
      await exitCode(['enqueue', 'q', '--payload-file', '/no/such/file', '--server', server.address]),
    ).toBe(2);
    expect(errors.at(-1)).toMatch(/^codeq: --payload-file: cannot read \/no\/such\/file: ENOENT: /);
  });

  it('stats of a named queue with nothing in it says a mistyped name reads the same', async () => {
    const typo = queue('cli-no-such');
    expect(await statsCommand([typo, '--server', server.address])).toBe(0);
    expect(errors).toEqual([
      `codeq stats: ${typo} holds no task and is not paused (a mistyped name reads the same; codeq queues lists the queues there are)`,
    ]);
    errors.length = 0;
    const used = queue('cli-used');
    await producer.enqueue(used, 'a');
    expect(await statsCommand([used, '--server', server.address])).toBe(0);
    expect(errors).toEqual([]);
  });

  it('stats and queues show every queue; pause and resume flip the flag', async () => {
    const q = queue('cli-stats');
    await producer.enqueue(q, 'a');
    await producer.enqueue(q, 'b', { delayMs: 60_000 });
    expect(await pauseCommand(true)([q, '--server', server.address])).toBe(0);
    expect(output()).toBe(`paused ${q}`);
    lines.length = 0;
    expect(await statsCommand([q, '--server', server.address])).toBe(0);
    const [header, row] = lines[0]!.split('\n');
    expect(header).toMatch(/^QUEUE\s+READY\s+SCHEDULED\s+LEASED\s+DEAD\s+OLDEST READY\s+PAUSED$/);
    expect(row!.split(/\s{2,}/)).toEqual([
      q,
      '1',
      '1',
      '0',
      '0',
      expect.stringMatching(/^\d+ms$|^\d+s$/),
      'yes',
    ]);
    lines.length = 0;
    await queuesCommand(['--server', server.address]);
    expect(lines).toContain(`${q} (paused)`);
    lines.length = 0;
    expect(await pauseCommand(false)([q, '--server', server.address])).toBe(0);
    expect(output()).toBe(`resumed ${q}`);
    lines.length = 0;
    await statsCommand(['--server', server.address]);
    expect(output()).toMatch(new RegExp(`^${q}\\s+1\\s+1\\s+0\\s+0\\s+\\S+\\s+no$`, 'm'));
  });

  it('pause and resume say when the queue already was in the state asked for, and exit 0', async () => {
    const q = queue('cli-again');
    await producer.enqueue(q, 'a');
    expect(await pauseCommand(false)([q, '--server', server.address])).toBe(0);
    expect(await pauseCommand(true)([q, '--server', server.address])).toBe(0);
    expect(await pauseCommand(true)([q, '--server', server.address])).toBe(0);
    expect(await pauseCommand(false)([q, '--server', server.address])).toBe(0);
    expect(await pauseCommand(false)([q, '--server', server.address])).toBe(0);
    expect(lines).toEqual([
      `${q} was not paused`,
      `paused ${q}`,
      `${q} was already paused`,
      `resumed ${q}`,
      `${q} was not paused`,
    ]);
    expect(errors).toEqual([]);
  });

  it('says why the list is empty once every task has finished, queues on standard error only', async () => {
    const empty = await startTestServer(new MemoryStore());
    try {
      const address = empty.address;
      const finished = new Producer({ address });
      const { taskId } = await finished.enqueue('done-queue', 'x');
      const worker = new Worker({ address, queues: ['done-queue'], handler: async () => 'ok' });
      await worker.start();
      await vi.waitFor(
        async () => expect((await finished.getTask('done-queue', taskId)).state).toBe('COMPLETED'),
        { timeout: 5_000, interval: 20 },
      );
      await worker.stop();
      finished.close();
      expect(await queuesCommand(['--server', address])).toBe(0);
      expect(lines).toEqual([]);
      expect(errors).toEqual([
        expect.stringMatching(/^no queue holds tasks \(a queue leaves the list once/) as string,
      ]);
      expect(await statsCommand(['--server', address])).toBe(0);
      expect(lines).toEqual([errors[0]]);
    } finally {
      await empty.stop();
    }
  });

  it('stats --watch redraws with the change of each count until stopped', async () => {
    const q = queue('cli-watch');
    await producer.enqueue(q, 'a');
    const stop = new AbortController();
    const watching = statsCommand(
      [q, '--watch', '--interval', '100ms', '--server', server.address],
      stop.signal,
    );
    await vi.waitFor(() =>
      expect(lines.filter((l) => l.startsWith('QUEUE')).length).toBeGreaterThanOrEqual(1),
    );
    await producer.enqueue(q, 'b');
    await vi.waitFor(() => expect(output()).toMatch(new RegExp(`^${q}\\s+2 \\(\\+1\\)`, 'm')), {
      timeout: 3_000,
    });
    stop.abort();
    expect(await watching).toBe(0);
  });

  it('tasks lists dead tasks, dead redrive runs them again, and get shows attempts used', async () => {
    const q = queue('cli-dead');
    const worker = new Worker({
      address: server.address,
      queues: [q],
      logger: { warn() {} },
      handler: async () => {
        throw new TaskError('always fails', { permanent: true });
      },
    });
    await worker.start();
    const { task } = await producer.enqueue(q, 'x', { maxAttempts: 3, wait: { timeoutMs: 5_000 } });
    await worker.stop();
    expect(task!.state).toBe('DEAD');

    process.env.CODEQ_TASKS_STATE = 'dead';
    expect(await tasksCommand([q, '--server', server.address])).toBe(0);
    expect(output()).toMatch(/^ID\s+STATE\s+ATTEMPTS\s+PRIORITY\s+ENQUEUED\s+LAST ERROR$/m);
    expect(output()).toMatch(new RegExp(`^${task!.id}\\s+DEAD\\s+1/3\\s+0\\s+\\S+\\s+always fails$`, 'm'));
    lines.length = 0;
    await expect(tasksCommand([q, '--state', 'done', '--server', server.address])).rejects.toThrow(
      /^--state: /,
    );

    expect(await deadCommand(['redrive', q, task!.id, '--server', server.address])).toBe(0);
    expect(output()).toBe(`redriven: 1 task of ${q}`);
    lines.length = 0;
    await getCommand([q, task!.id, '--server', server.address]);
    const shown = JSON.parse(output()) as Record<string, unknown>;
    expect(shown).toMatchObject({ state: 'PENDING', attempts: '0 of 3 used' });
    expect(shown.history).toEqual([expect.stringMatching(/^redriven from DEAD at /)]);
    lines.length = 0;
    await tasksCommand([q, '--state', 'pending', '--json', '--server', server.address]);
    expect(JSON.parse(lines[0]!)).toMatchObject({ id: task!.id, attempt: 0, maxAttempts: 3 });
  });

  it('tasks says when --limit left tasks out, and only then', async () => {
    const q = queue('cli-limit');
    for (let i = 0; i < 3; i++) await producer.enqueue(q, Buffer.from(`t${i}`));
    expect(await tasksCommand([q, '--limit', '2', '--server', server.address])).toBe(0);
    expect(
      lines
        .join('\n')
        .split('\n')
        .filter((l) => l.includes('PENDING')),
    ).toHaveLength(2);
    expect(errors).toEqual([`the first 2 pending tasks of ${q}; there are more (raise --limit)`]);
    errors.length = 0;
    expect(await tasksCommand([q, '--limit', '3', '--server', server.address])).toBe(0);
    expect(errors).toEqual([]);
  });

  it('tasks --state scheduled shows when each task falls due', async () => {
    const q = queue('cli-due');
    const before = Date.now();
    const { taskId } = await producer.enqueue(q, 'later', { delayMs: 90_000 });
    expect(await tasksCommand([q, '--state', 'scheduled', '--server', server.address])).toBe(0);
    expect(output()).toMatch(/^ID\s+STATE\s+ATTEMPTS\s+PRIORITY\s+ENQUEUED\s+DUE\s+LAST ERROR$/m);
    const row = lines
      .join('\n')
      .split('\n')
      .find((l) => l.startsWith(taskId))!;
    const due = Date.parse(row.split(/\s{2,}/)[5]!);
    // The embedded store keeps time on the monotonic clock, anchored to the wall clock every
    // 10 s: a step of the wall clock (a VM's time sync) puts it that far off Date.now() until
    // then. A DUE column showing anything but enqueue time + 90 s is still far outside.
    const slack = 5_000;
    expect(due).toBeGreaterThanOrEqual(before + 90_000 - slack);
    expect(due).toBeLessThanOrEqual(Date.now() + 90_000 + slack);
    lines.length = 0;
    await tasksCommand([q, '--state', 'scheduled', '--json', '--server', server.address]);
    expect(Date.parse((JSON.parse(lines[0]!) as { dueTime: string }).dueTime)).toBe(due);
    // Pending is the default state: an empty listing says where the queue's tasks are.
    lines.length = 0;
    expect(await tasksCommand([q, '--server', server.address])).toBe(0);
    expect(output()).toBe(
      `no pending tasks in ${q}; it holds 1 scheduled (list them with --state scheduled)`,
    );
    lines.length = 0;
    await tasksCommand([queue('cli-empty'), '--server', server.address]);
    expect(output()).toMatch(/^no pending tasks in cli-empty-\w+$/);
  });

  it('pause of a queue never used is undone by resume: it leaves the queue list', async () => {
    const q = queue('cli-typo');
    await pauseCommand(true)([q, '--server', server.address]);
    await queuesCommand(['--server', server.address]);
    expect(lines).toContain(`${q} (paused)`);
    lines.length = 0;
    await pauseCommand(false)([q, '--server', server.address]);
    await queuesCommand(['--server', server.address]);
    expect(lines.filter((l) => l.startsWith(q))).toEqual([]);
  });

  it('purge asks for --yes, then deletes', async () => {
    const q = queue('cli-purge');
    await producer.enqueueBatch([
      { queue: q, payload: '1' },
      { queue: q, payload: '2' },
    ]);
    expect(await purgeCommand([q, '--server', server.address])).toBe(2);
    expect(errors.join('\n')).toMatch(/add --yes/);
    expect((await store.stats(q)).ready).toBe(2);
    process.env.CODEQ_PURGE_YES = 'true';
    expect(await purgeCommand([q, '--server', server.address])).toBe(0);
    expect(output()).toBe(`purged: 2 tasks of ${q}`);
    expect((await store.stats(q)).ready).toBe(0);
  });

  it('dead redrive of ids that name no dead task says so and exits 1', async () => {
    const q = queue('cli-redrive-unknown');
    const { taskId } = await producer.enqueue(q, 'alive');
    expect(await deadCommand(['redrive', q, taskId, 'no-such-id', '--server', server.address])).toBe(1);
    expect(output()).toBe(`redriven: 0 tasks of ${q}`);
    expect(errors).toEqual([
      `codeq dead redrive: 2 of the 2 ids named no DEAD task of ${q} (unknown, or not dead)`,
    ]);
  });

  it('stats shows the oldest ready age in readable units', async () => {
    const q = queue('cli-age');
    // Enqueued 19 min 54.5 s ago by the store's clock.
    let behindMs = 1_194_500;
    const aged = new MemoryStore({ clock: () => Date.now() - behindMs });
    const agedServer = await startTestServer(aged);
    try {
      await aged.enqueue([newTask(q)]);
      behindMs = 0;
      expect(await statsCommand([q, '--server', agedServer.address])).toBe(0);
    } finally {
      await agedServer.stop();
      await aged.close();
    }
    expect(output()).toMatch(new RegExp(`^${q}\\s+1\\s+0\\s+0\\s+0\\s+19m 5[45]s\\s+no$`, 'm'));
  });

  it('enqueue prints the id alone on stdout: a duplicate and a wait that runs out say so on stderr', async () => {
    const q = queue('cli-ids');
    const args = [q, '--payload', 'x', '--idempotency-key', 'k1', '--server', server.address];
    expect(await enqueueCommand(args)).toBe(0);
    expect(await enqueueCommand(args)).toBe(0);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\S+$/);
    expect(lines[1]).toBe(lines[0]);
    expect(errors).toEqual([`codeq enqueue: ${lines[0]} is an earlier task with this idempotency key`]);

    lines.length = 0;
    errors.length = 0;
    const waited = queue('cli-wait');
    expect(
      await enqueueCommand([waited, '--payload', 'x', '--wait', '200ms', '--server', server.address]),
    ).toBe(1);
    // With --wait, standard output is the task's JSON alone (jq reads it), the id a note.
    const pending = JSON.parse(lines.join('\n')) as { id: string; state: string };
    expect(pending.state).toBe('PENDING');
    expect(errors).toEqual([
      `codeq enqueue: ${pending.id}; waiting up to 200ms for it to finish`,
      'codeq enqueue: the task did not finish within 200ms (--wait); it is PENDING now',
    ]);
  });

  it('enqueue at a terminal without a payload says the payload is empty', async () => {
    const q = queue('cli-empty');
    const tty = Object.getOwnPropertyDescriptor(process.stdin, 'isTTY');
    Object.defineProperty(process.stdin, 'isTTY', { value: true, configurable: true });
    try {
      expect(await enqueueCommand([q, '--server', server.address])).toBe(0);
    } finally {
      if (tty) Object.defineProperty(process.stdin, 'isTTY', tty);
      else delete (process.stdin as { isTTY?: boolean }).isTTY;
    }
    expect(errors).toEqual([
      'codeq enqueue: no --payload, --payload-file or standard input: the payload is empty',
    ]);
    expect((await store.getTask(q, lines[0]!))?.payload.length).toBe(0);
  });

  it('enqueue takes a retry policy and can wait for the result', async () => {
    const q = queue('cli-retry');
    process.env.CODEQ_BACKOFF_MULTIPLIER = '3';
    expect(
      await enqueueCommand([
        q,
        '--payload',
        'x',
        '--initial-backoff',
        '2s',
        '--max-backoff',
        '1m',
        '--server',
        server.address,
      ]),
    ).toBe(0);
    const id = lines[0]!;
    // The second retry waits half of min(1m, 2s × 3): 3 s (the defaults would make it 2 s).
    const fail = async (retryDelayMs: number | undefined): Promise<void> => {
      const [lease] = (await store.claim(q, 1, 10_000)).leases;
      expect(lease!.task.id).toBe(id);
      await store.settle(q, [
        { kind: 'fail', taskId: id, token: lease!.token, error: 'e', retryDelayMs, permanent: false },
      ]);
    };
    await fail(0);
    await fail(undefined);
    const due = (await store.claim(q, 0, 10_000)).nextDueInMs;
    expect(due).toBeGreaterThan(2_900);
    expect(due).toBeLessThanOrEqual(3_000);
    await expect(enqueueCommand([q, '--payload', 'x', '--backoff-multiplier', '0.5'])).rejects.toThrow(
      /^--backoff-multiplier: /,
    );

    lines.length = 0;
    const worker = new Worker({
      address: server.address,
      queues: [q],
      logger: { warn() {} },
      handler: async () => 'result!',
    });
    await worker.start();
    try {
      expect(await enqueueCommand([q, '--payload', 'y', '--wait', '5s', '--server', server.address])).toBe(0);
    } finally {
      await worker.stop();
    }
    const task = JSON.parse(lines.join('\n')) as Record<string, unknown>;
    expect(task).toMatchObject({ state: 'COMPLETED', result: 'result!', attempts: '1 of 5 used' });
  });
});
