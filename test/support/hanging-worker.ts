import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TaskHandler, WorkerTask } from '../../clients/index.js';

const HANGING_WORKER = fileURLToPath(new URL('../e2e/fixtures/hanging-worker.mjs', import.meta.url));

/** A worker process that leased one task and never settles it, and the id of that task once leased. */
export interface HangingWorker {
  child: ChildProcess;
  leased: Promise<string>;
}

/**
 * Starts a worker process that takes one lease of `queue` (60 s) and never settles it, the
 * victim of crash tests. Register `child` with the test's cleanup before awaiting `leased`.
 */
export function startHangingWorker(address: string, queue: string): HangingWorker {
  const child = spawn(process.execPath, [HANGING_WORKER, address, queue], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const leased = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      const m = /LEASED (\S+)/.exec(chunk.toString());
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`hanging worker exited with ${code}`)));
  });
  return { child, leased };
}

/** A handler that keeps every task it is given in `deliveries` and completes it with 'rescued'. */
export function rescuing(deliveries: WorkerTask[]): TaskHandler {
  return (task) => {
    deliveries.push(task);
    return Promise.resolve('rescued');
  };
}
