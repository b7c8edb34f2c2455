import { describe, expect, it } from 'vitest';
import { parseWholeNumber, resolveSettings, settingsHelp, type Setting } from './settings.js';

const SETTINGS = {
  listen: {
    flag: 'listen',
    env: 'T_LISTEN',
    kind: 'string',
    arg: 'HOST:PORT',
    default: '127.0.0.1:1',
    help: 'Where',
  },
  grace: {
    flag: 'grace',
    env: 'T_GRACE',
    kind: 'duration',
    default: 5_000,
    min: 0,
    max: 60_000,
    help: 'How long',
  },
  count: { flag: 'count', env: 'T_COUNT', kind: 'int', default: 3, min: 1, max: 9, help: 'How many' },
  on: { flag: 'on', env: 'T_ON', kind: 'bool', default: false, help: 'Whether' },
} satisfies Record<string, Setting>;

describe('settings', () => {
  it('takes a flag over its variable over the default', () => {
    expect(resolveSettings(SETTINGS, { grace: '2s' }, { T_GRACE: '9s', T_COUNT: '7' })).toEqual({
      listen: '127.0.0.1:1',
      grace: 2_000,
      count: 7,
      on: false,
    });
  });

  it('names the flag or variable that holds a bad value', () => {
    expect(() => resolveSettings(SETTINGS, { count: 'x' }, {})).toThrow('--count: expected a whole number');
    expect(() => resolveSettings(SETTINGS, {}, { T_COUNT: '0' })).toThrow('T_COUNT: must be at least 1');
    expect(() => resolveSettings(SETTINGS, { count: '10' }, {})).toThrow(
      '--count: must be at most 9, got "10"',
    );
    expect(() => resolveSettings(SETTINGS, { grace: '61s' }, {})).toThrow(
      '--grace: must be at most 1m, got "61s"',
    );
    expect(() => resolveSettings(SETTINGS, {}, { T_GRACE: 'soon' })).toThrow(
      'T_GRACE: expected milliseconds',
    );
    expect(() => resolveSettings(SETTINGS, {}, { T_ON: 'maybe' })).toThrow('T_ON: expected true or false');
  });

  it('counts an empty variable as unset, and refuses an empty flag, naming it and its variable', () => {
    expect(resolveSettings(SETTINGS, {}, { T_LISTEN: '', T_COUNT: '', T_GRACE: '', T_ON: '' })).toEqual({
      listen: '127.0.0.1:1',
      grace: 5_000,
      count: 3,
      on: false,
    });
    for (const [flag, env] of [
      ['listen', 'T_LISTEN'],
      ['count', 'T_COUNT'],
      ['grace', 'T_GRACE'],
    ])
      expect(() => resolveSettings(SETTINGS, { [flag!]: '' }, { [env!]: 'ignored' })).toThrow(
        `--${flag} (or ${env}): empty; give a value, or leave the flag out`,
      );
    expect(() => parseWholeNumber(' ', '--count', 0)).toThrow('--count: expected a whole number, got " "');
  });

  it('reads a whole number in decimal digits only', () => {
    expect(parseWholeNumber(' 42 ', '--count', 0)).toBe(42);
    expect(parseWholeNumber('007', '--count', 0)).toBe(7);
    expect(() => parseWholeNumber('-3', '--count', 1)).toThrow('--count: must be at least 1, got "-3"');
    for (const text of ['0x10', '1e3', '0b11', '0o7', '1.5', '1_000', 'Infinity'])
      expect(() => parseWholeNumber(text, '--count', 0)).toThrow(
        `--count: expected a whole number, got ${JSON.stringify(text)}`,
      );
    expect(() => parseWholeNumber('9007199254740993', '--count', 0)).toThrow('expected a whole number');
  });

  it('shows each flag with its value name, default and variable', () => {
    const help = settingsHelp(SETTINGS);
    expect(help).toContain('--listen HOST:PORT');
    expect(help).toContain('(default 5s). Env: T_GRACE');
    expect(help).toContain('--count N');
    expect(help).toMatch(/--on\n/);
  });
});
