import { describe, expect, it } from 'vitest';
import { SERVER_SETTINGS } from '../config/server-settings.js';
import type { Setting } from '../config/settings.js';
import { UsageError } from '../config/usage-error.js';
import { STATS_SETTINGS, statsCommand, TASKS_SETTINGS, tasksCommand } from './admin-commands.js';
import { CONFIG_SETTINGS, configCommand, KEYS_SETTINGS, keysCommand } from './fair-commands.js';
import { serveCommand } from './serve-command.js';
import { ENQUEUE_SETTINGS, enqueueCommand } from './task-commands.js';
import { traceCommand } from './trace-command.js';
import { WORK_SETTINGS, workCommand } from './work-command.js';

/** Nothing listens there: a command that got past its checks fails to connect, it reaches no one. */
const NOWHERE = ['--server', '127.0.0.1:1'];

/** The numeric flags of a settings table. */
function numericFlags(settings: Record<string, Setting>): string[] {
  return Object.values(settings)
    .filter((s) => s.kind === 'int' || s.kind === 'duration')
    .map((s) => `--${s.flag}`);
}

/** Every command with its numeric flags, and the arguments it needs to reach their checks. */
const COMMANDS: [string, (argv: string[]) => Promise<number>, string[], string[]][] = [
  [
    'enqueue',
    enqueueCommand,
    ['q', '--payload', 'x', ...NOWHERE],
    ['--priority', '--delay', '--max-attempts', '--count', ...numericFlags(ENQUEUE_SETTINGS)],
  ],
  ['work', workCommand, ['q', '--exec', 'cat', ...NOWHERE], numericFlags(WORK_SETTINGS)],
  // Were a check missing, the server would listen on a free port of loopback only.
  ['serve', serveCommand, ['--listen', '127.0.0.1:0', '--no-console'], numericFlags(SERVER_SETTINGS)],
  ['stats', (argv) => statsCommand(argv), ['q', ...NOWHERE], numericFlags(STATS_SETTINGS)],
  ['tasks', tasksCommand, ['q', ...NOWHERE], numericFlags(TASKS_SETTINGS)],
  ['keys', keysCommand, ['q', ...NOWHERE], numericFlags(KEYS_SETTINGS)],
  ['config', configCommand, ['q', ...NOWHERE], [...numericFlags(CONFIG_SETTINGS), '--rate']],
  ['trace', traceCommand, ['--demo', 'T'], ['--count', '--width']],
];

/** The message of the usage error `run` rejects with. */
async function refusal(run: Promise<number>): Promise<string> {
  const err: unknown = await run.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UsageError);
  return (err as UsageError).message;
}

describe('a negative number for a numeric flag', () => {
  it.each(COMMANDS)(
    'codeq %s: `--flag -1` is refused by the flag, as `--flag=-1` is',
    async (_name, command, base, flags) => {
      expect(flags.length).toBeGreaterThan(0);
      for (const flag of flags) {
        const apart = await refusal(command([...base, flag, '-1']));
        expect(apart).toMatch(new RegExp(`^${flag}: `));
        expect(apart).not.toMatch(/ambiguous/);
        expect(await refusal(command([...base, `${flag}=-1`]))).toBe(apart);
      }
    },
  );

  it('is told for --priority with the range of priorities', async () => {
    const priority = (value: string): Promise<string> =>
      refusal(enqueueCommand(['q', '--payload', 'x', ...NOWHERE, '--priority', value]));
    expect(await priority('-1')).toBe(
      '--priority: -1 is not a priority; priorities are 0 to 9, higher is claimed first',
    );
    expect(await priority('10')).toMatch(/^--priority: 10 is not a priority; priorities are 0 to 9/);
    expect(await priority('')).toMatch(/^--priority: "" is not a priority/);
    expect(await priority('2.5')).toMatch(/^--priority: 2\.5 is not a priority/);
  });

  it('is told for a --width that is no number, before codeq trace draws anything', async () => {
    expect(await refusal(traceCommand(['--demo', 'T', '--width', 'wide']))).toBe(
      '--width: expected a whole number, got "wide"',
    );
  });

  it('is told for a duration as below its least', async () => {
    expect(await refusal(workCommand(['q', '--exec', 'cat', '--lease-duration', '-5s']))).toBe(
      '--lease-duration: must be at least 1s, got "-5s"',
    );
    expect(
      await refusal(enqueueCommand(['q', '--payload', 'x', ...NOWHERE, '--initial-backoff', '-1s'])),
    ).toBe('--initial-backoff: must not be negative, got "-1s"');
  });
});
