import { describe, expect, it } from 'vitest';
import { TaskError, TaskReleaseError, type HandlerContext, type WorkerTask } from '../../clients/index.js';
import { UsageError } from '../config/usage-error.js';
import {
  checkCommandSyntax,
  CommandKilledError,
  CommandUnavailableError,
  execHandler,
  withoutCredentials,
} from './exec-handler.js';

const task = {
  id: 't1',
  queue: 'q',
  attempt: 1,
  maxAttempts: 3,
  priority: 0,
  leaseId: 'lease',
  payload: Buffer.from(''),
} as unknown as WorkerTask;

function contextOf(maxResultBytes = 1024 * 1024): HandlerContext {
  return { signal: new AbortController().signal, extend: () => undefined, maxResultBytes };
}

const ENV = {
  PATH: process.env.PATH,
  HOME: '/home/w',
  CODEQ_SERVER: 'codeq:7070',
  CODEQ_TOKEN: 'tok-secret',
  CODEQ_TLS_CLIENT_KEY: '/keys/worker.key',
  CODEQ_METRICS_TOKEN: 'm-secret',
  CODEQ_REDIS_URL: 'redis://:pw@redis:6379',
};

async function childEnv(passCredentials?: boolean): Promise<Record<string, string>> {
  const run = execHandler('env', { env: ENV, onStderr: () => undefined, passCredentials });
  const result = (await run(task, contextOf())) as Uint8Array;
  const out = Buffer.from(result).toString();
  return Object.fromEntries(
    out
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

describe('codeq work --exec', () => {
  it('runs the command without CODEQ_TOKEN and the other credential variables', async () => {
    const env = await childEnv();
    expect(env).toMatchObject({ HOME: '/home/w', CODEQ_SERVER: 'codeq:7070', CODEQ_TASK_ID: 't1' });
    for (const name of ['CODEQ_TOKEN', 'CODEQ_TLS_CLIENT_KEY', 'CODEQ_METRICS_TOKEN', 'CODEQ_REDIS_URL'])
      expect(env, name).not.toHaveProperty(name);
    expect(Object.values(env).join('\n')).not.toContain('secret');
  });

  it('passes them when asked (--exec-pass-token)', async () => {
    expect(await childEnv(true)).toMatchObject({
      CODEQ_TOKEN: 'tok-secret',
      CODEQ_REDIS_URL: 'redis://:pw@redis:6379',
    });
  });

  it('keeps every variable that is not a credential', () => {
    expect(
      Object.keys(withoutCredentials({ CODEQ_TOKENISH: 'x', CODEQ_CONCURRENCY: '2', MY_TOKEN: 'y' })),
    ).toEqual(['CODEQ_TOKENISH', 'CODEQ_CONCURRENCY', 'MY_TOKEN']);
  });

  it('gives the task back when the shell cannot run the command, until the command has run once', async () => {
    const quiet = { env: { PATH: process.env.PATH }, onStderr: () => undefined };
    const context = contextOf();
    const missing = execHandler('codeq-no-such-command-here', quiet);
    for (let i = 0; i < 2; i++) {
      const err: unknown = await missing(task, context).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CommandUnavailableError);
      expect(err).toBeInstanceOf(TaskReleaseError);
      expect((err as Error).message).toMatch(/^exit code 127: .*codeq-no-such-command-here.*not found/);
    }
    const notExecutable = execHandler('/etc/hostname', quiet);
    expect(await notExecutable(task, context).catch((e: unknown) => e)).toBeInstanceOf(
      CommandUnavailableError,
    );

    // A program the task named, not the command, is the task's failure: given back, it
    // would come back to this worker and stop every other that took it.
    const fromPayload = execHandler('prog=$(cat); $prog hello', quiet);
    const named: unknown = await fromPayload(
      { ...task, payload: Buffer.from('codeq-no-such-program-x') },
      context,
    ).catch((e: unknown) => e);
    expect(named).toBeInstanceOf(TaskError);
    expect(named).not.toBeInstanceOf(TaskReleaseError);
    expect((named as Error).message).toMatch(/^exit code 127: .*codeq-no-such-program-x.*not found/);
    // One the command names is still the worker's: a typo after a first program that ran.
    const typo = execHandler('cat > /dev/null; codeq-no-such-command-here', quiet);
    expect(await typo(task, context).catch((e: unknown) => e)).toBeInstanceOf(CommandUnavailableError);

    // A command that ran once owns its exit codes: 127 is then its own failure.
    const flaky = execHandler('test "$CODEQ_ATTEMPT" = 1 || exit 127', quiet);
    await expect(flaky(task, context)).resolves.toBeDefined();
    const later: unknown = await flaky({ ...task, attempt: 2 }, context).catch((e: unknown) => e);
    expect(later).toBeInstanceOf(TaskError);
    expect(later).not.toBeInstanceOf(TaskReleaseError);
    expect((later as TaskError).permanent).toBe(false);
  });
});

describe('codeq work --exec results', () => {
  const quiet = { env: { PATH: process.env.PATH }, onStderr: () => undefined };

  it('fails the attempt of a command ended by a signal, naming the signal', async () => {
    const run = execHandler('kill -TERM $$; sleep 5', { onStderr: () => undefined });
    const err: unknown = await run(task, contextOf()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandKilledError);
    expect(err).toBeInstanceOf(TaskError);
    expect(err).toMatchObject({ signal: 'SIGTERM', message: 'killed by SIGTERM', permanent: false });
  });

  it("completes with stdout up to the server's result limit", async () => {
    const run = execHandler('head -c 5000 /dev/zero', quiet);
    const result = (await run(task, contextOf(5000))) as Buffer;
    expect(result.length).toBe(5000);
  });

  it('fails the attempt when stdout is longer than the limit, rather than cutting the result short', async () => {
    const run = execHandler('head -c 5001 /dev/zero', quiet);
    const err: unknown = await run(task, contextOf(5000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskError);
    expect((err as TaskError).message).toBe(
      "stdout of 5001 bytes is over the server's 5000-byte result limit",
    );
    expect((err as TaskError).permanent).toBe(false);
  });
});

describe('checkCommandSyntax', () => {
  it('refuses a command the shell cannot parse, naming the flag, without running it', () => {
    const check = (): void => checkCommandSyntax("touch /tmp/codeq-never-made; tr a-z A-Z | 'sed", '--exec');
    expect(check).toThrow(UsageError);
    expect(check).toThrow(/^--exec: the shell cannot parse .*: Syntax error: Unterminated quoted string$/);
  });

  it('passes a command that parses, whether or not its program exists', () => {
    expect(() => checkCommandSyntax('tr a-z A-Z | sed s/x/y/ > /dev/null', '--exec')).not.toThrow();
    expect(() => checkCommandSyntax('codeq-no-such-program --flag', '--exec')).not.toThrow();
  });
});
