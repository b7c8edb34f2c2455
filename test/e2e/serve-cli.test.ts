import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
/** Runs the `codeq` executable straight from its TypeScript sources, as a user runs the built one. */
const NODE_ARGS = [
  '--experimental-transform-types',
  '--disable-warning=ExperimentalWarning',
  '--import',
  './bench/core/ts/register.ts',
  'src/cli/main.ts',
];

function codeq(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const out = spawnSync(process.execPath, [...NODE_ARGS, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: out.status, stdout: out.stdout, stderr: out.stderr };
}

describe('the codeq executable', () => {
  it('prints its version', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V'])
      expect(codeq([flag])).toMatchObject({ status: 0, stdout: `codeq ${version}\n` });
  });

  it('shows the environment variable of every serve and work option in --help', () => {
    for (const command of ['serve', 'work']) {
      const { stdout } = codeq([command, '--help']);
      const blocks = stdout.split(/\n(?= {2}-)/).filter((b) => /^ {2}--/.test(b));
      expect(blocks.length).toBeGreaterThan(3);
      for (const block of blocks) expect(block).toMatch(/Env: CODEQ_[A-Z_]+/);
    }
    expect(codeq(['serve', '--help']).stdout).toContain('--log-format FORMAT');
    expect(codeq(['work', '--help']).stdout).toContain('Env: CODEQ_CONCURRENCY');
  });

  it('logs one JSON object per line, each with a timestamp, with --log-format json', async () => {
    const child = spawn(
      process.execPath,
      [...NODE_ARGS, 'serve', '--listen', '127.0.0.1:0', '--log-format', 'json'],
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
      'the memory store keeps nothing across restarts; pass --redis URL to keep tasks',
      'plaintext; no authentication: every caller may use every queue',
      expect.stringMatching(/^SIGTERM: draining/),
      'stopped',
    ]);
  }, 30_000);

  it('refuses an unknown log format, naming the flag', () => {
    const { status, stderr } = codeq(['serve', '--log-format', 'xml']);
    expect(status).toBe(1);
    expect(stderr).toContain('--log-format: expected text or json, got "xml"');
  });
});
