import { describe, expect, it } from 'vitest';
import { HELP_WIDTH, wrapWords } from '../config/settings.js';
import { QUEUES_HELP, STATS_HELP, TASKS_HELP } from './admin-commands.js';
import { CODEQ_HELP } from './codeq.js';
import { CONFIG_HELP, KEYS_HELP } from './fair-commands.js';
import { DEAD_HELP, PAUSE_HELP, PURGE_HELP, RESUME_HELP } from './queue-commands.js';
import { SERVE_HELP } from './serve-command.js';
import { CANCEL_HELP, ENQUEUE_HELP, GET_HELP } from './task-commands.js';
import { TRACE_HELP } from './trace-command.js';
import { WORK_HELP } from './work-command.js';

describe('--help text', () => {
  it('wraps words at the width, after the indent, and keeps a long word whole', () => {
    expect(wrapWords(['aaa', 'bbb', 'ccc', 'dd'], '  ', 10)).toBe('  aaa bbb\n  ccc dd');
    expect(wrapWords(['a', 'averyveryverylongword', 'b'], '  ', 10)).toBe(
      '  a\n  averyveryverylongword\n  b',
    );
    expect(wrapWords(['Env: CODEQ_X'], '    ', 10)).toBe('    Env: CODEQ_X');
    expect(wrapWords([], '  ', 10)).toBe('');
  });

  it.each(
    Object.entries({
      CODEQ_HELP,
      SERVE_HELP,
      ENQUEUE_HELP,
      WORK_HELP,
      GET_HELP,
      CANCEL_HELP,
      TRACE_HELP,
      STATS_HELP,
      QUEUES_HELP,
      TASKS_HELP,
      DEAD_HELP,
      PAUSE_HELP,
      RESUME_HELP,
      PURGE_HELP,
      KEYS_HELP,
      CONFIG_HELP,
    }),
  )(`%s fits in ${HELP_WIDTH} columns, every variable beside its label`, (_, help) => {
    const tooLong = help.split('\n').filter((line) => line.length > HELP_WIDTH);
    expect(tooLong).toEqual([]);
    // A variable's name is never split from its label by a line break.
    expect(help).not.toMatch(/Env:\n/);
  });
});
