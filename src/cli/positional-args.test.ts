import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { idsAsPositionals, negativeValuesJoined } from './positional-args.js';

const OPTIONS = {
  server: { type: 'string' },
  file: { type: 'string' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parse(argv: string[]): { values: Record<string, unknown>; positionals: string[] } {
  return parseArgs({ args: idsAsPositionals(argv, OPTIONS), options: OPTIONS, allowPositionals: true });
}

describe('idsAsPositionals', () => {
  it('reads a task id starting with - as a positional, wherever it stands', () => {
    expect(parse(['q', '-AbCdEfGhIjKlMnO', '--server', 'h:1'])).toEqual({
      values: { server: 'h:1' },
      positionals: ['q', '-AbCdEfGhIjKlMnO'],
    });
    expect(parse(['--server=h:1', 'q', '--AbCdEfGhIjKlMn', '--no-color']).positionals).toEqual([
      'q',
      '--AbCdEfGhIjKlMn',
    ]);
  });

  it('keeps options, their values and an explicit --', () => {
    expect(parse(['-h', '--file', '-x.json', 'q', '--', '--server'])).toEqual({
      values: { help: true, file: '-x.json' },
      positionals: ['q', '--server'],
    });
  });

  it('leaves an unknown option that is no task id for parseArgs to refuse by name', () => {
    expect(() => parse(['q', '--colour=red'])).toThrow(/--colour/);
  });

  it('takes a mistyped --lowercase-name for an option, not a task id', () => {
    expect(() => parse(['q', 'AbCdEfGhIjKlMnOp', '--no-colour'])).toThrow(/--no-colour/);
    expect(() => parse(['q', '--servr', 'h:1'])).toThrow(/--servr/);
    // An id of that shape still goes through after an explicit --.
    expect(parse(['q', '--', '--abcdefghijklmn']).positionals).toEqual(['q', '--abcdefghijklmn']);
  });
});

describe('negativeValuesJoined', () => {
  it('joins a negative number to the string option before it', () => {
    expect(
      negativeValuesJoined(['q', '--server', '-1', '--file', '-.5', '--server', '-5s'], OPTIONS),
    ).toEqual(['q', '--server=-1', '--file=-.5', '--server=-5s']);
  });

  it('leaves other values that start with -, boolean options and what follows -- as they are', () => {
    const argv = ['--server', '--file', 'f', '--no-color', '-1', '-h', '-2', '--', '--server', '-3'];
    expect(negativeValuesJoined(argv, OPTIONS)).toEqual(argv);
  });
});
