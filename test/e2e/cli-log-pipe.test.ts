import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import { rawClients, startTestServer } from '../support/test-server.js';
import { CODEQ_FROM_SOURCES, ROOT } from '../support/codeq-cli.js';

/** Polls `check` until it holds, for at most `ms`. */
async function until(check: () => Promise<boolean>, what: string, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('codeq work whose log pipe closes', () => {
  it('goes on running tasks when the reader of its standard error goes away, and stops on a signal', async () => {
    const server = await startTestServer(new MemoryStore());
    const clients = rawClients(server.address);
    const child = spawn(
      process.execPath,
      [...CODEQ_FROM_SOURCES, 'work', 'q', '--exec', 'cat', '--server', server.address],
      {
        cwd: ROOT,
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const completed = async (taskId: string | undefined): Promise<boolean> =>
      (await clients.getTask({ queue: 'q', taskId })).state === 'COMPLETED';
    try {
      let err = '';
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      const first = (await clients.enqueue({ queue: 'q', payload: Buffer.from('1') })).taskId;
      await until(
        async () => err.includes('completed') && (await completed(first)),
        'the first task',
        45_000,
      );
      // The log's reader goes away: every line written from now on fails with EPIPE.
      child.stderr.destroy();
      const second = (await clients.enqueue({ queue: 'q', payload: Buffer.from('2') })).taskId;
      await until(() => completed(second), 'the second task', 15_000);
      // Its completion was logged into the closed pipe; the worker still takes the next task.
      const third = (await clients.enqueue({ queue: 'q', payload: Buffer.from('3') })).taskId;
      await until(() => completed(third), 'the third task, after a log line into the closed pipe', 15_000);
      expect(child.exitCode).toBeNull();
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
      clients.close();
      await server.stop();
    }
  }, 90_000);
});
