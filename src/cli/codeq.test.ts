import { describe, expect, it } from 'vitest';
import { captureCli } from '../../test/support/codeq-cli.js';
import { CODEQ_HELP } from './codeq.js';
import { ENQUEUE_HELP } from './task-commands.js';
import { TRACE_HELP } from './trace-command.js';

const { lines, errors, exitCode } = captureCli();

/** What `runCli(argv)` prints on standard output and error, and the exit code it sets. */
async function run(argv: string[]): Promise<{ out: string; err: string; code: unknown }> {
  lines.length = 0;
  errors.length = 0;
  const code = await exitCode(argv);
  return { out: lines.join('\n'), err: errors.join('\n'), code };
}

describe('codeq help', () => {
  it("prints a command's help, as COMMAND --help does", async () => {
    expect(await run(['help', 'enqueue'])).toEqual({ out: ENQUEUE_HELP, err: '', code: 0 });
    expect(await run(['help', 'trace'])).toEqual({ out: TRACE_HELP, err: '', code: 0 });
    expect((await run(['help', 'enqueue'])).out).toBe((await run(['enqueue', '--help'])).out);
  });

  it('alone, or of itself, prints the list of commands', async () => {
    expect(await run(['help'])).toEqual({ out: CODEQ_HELP, err: '', code: 0 });
    expect(await run(['help', 'help'])).toEqual({ out: CODEQ_HELP, err: '', code: 0 });
    expect(CODEQ_HELP).toMatch(/'codeq help COMMAND'/);
  });

  it('names an unknown command, exit 2', async () => {
    const { out, err, code } = await run(['help', 'nosuch']);
    expect(out).toBe('');
    expect(err).toBe(`codeq: unknown command "nosuch"\n\n${CODEQ_HELP}`);
    expect(code).toBe(2);
    // Names that every object has are no commands either.
    expect((await run(['help', 'constructor'])).code).toBe(2);
    expect(await run(['toString'])).toMatchObject({ out: '', code: 2 });
  });

  it('takes one command, exit 2 for more', async () => {
    expect(await run(['help', 'enqueue', 'work'])).toEqual({
      out: '',
      err: 'codeq: help: expected one COMMAND, got enqueue work (see codeq --help)',
      code: 2,
    });
  });
});
