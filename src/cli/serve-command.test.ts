import { describe, expect, it } from 'vitest';
import { UsageError } from '../config/usage-error.js';
import { serveCommand } from './serve-command.js';

/**
 * The error `codeq serve` with `flags` fails with (on a free port without the console, in
 * case it starts: then it serves until a signal, and the test times out).
 */
async function refusal(...flags: string[]): Promise<unknown> {
  return serveCommand(['--listen', '127.0.0.1:0', '--no-console', ...flags]).catch((err: unknown) => err);
}

/** Checks `err` is a usage error (exit 2) with `message`. */
function expectUsageError(err: unknown, message: string): void {
  expect(err).toBeInstanceOf(UsageError);
  expect((err as Error).message).toBe(message);
}

describe('codeq serve', () => {
  it('refuses a Redis flag without the Redis store before starting, even one given its default', async () => {
    expectUsageError(
      await refusal('--redis-sentinel-name', 'mymaster'),
      '--redis-sentinel-name: needs --redis-sentinels HOST:PORT,... (only Sentinels use it)',
    );
    expectUsageError(
      await refusal('--redis-prefix', 'foo'),
      '--redis-prefix: needs the Redis store (--redis or --redis-sentinels)',
    );
  }, 5_000);

  it('refuses a --redis URL of another scheme before connecting', async () => {
    expectUsageError(
      await refusal('--redis', 'http://127.0.0.1:6390'),
      '--redis: expected redis://HOST:PORT[/DB], rediss://HOST:PORT[/DB] for TLS, or HOST:PORT, got "http://127.0.0.1:6390"',
    );
  }, 5_000);
});
