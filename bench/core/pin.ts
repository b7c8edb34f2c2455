import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

/** The core `--pin` gives the service side (codeQ server, Redis). */
export const SERVICE_CPU = 0;
/** The core `--pin` gives the load generators (producers, workers). */
export const LOAD_CPU = 1;

/**
 * Binds every thread of `pid` to one core (`taskset -a -p -c`), so the service's own
 * latency shows apart from the clients' CPU. A no-op on a machine with one core or
 * without taskset; returns whether it pinned.
 */
export function pinProcess(pid: number, cpu: number): boolean {
  if (pid <= 0 || availableParallelism() < 2) return false;
  const result = spawnSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
  return result.status === 0;
}

/** Lets every thread of `pid` run on every core again (after {@link pinProcess}). */
export function unpinProcess(pid: number): void {
  const cores = availableParallelism();
  if (pid <= 0 || cores < 2) return;
  spawnSync('taskset', ['-a', '-p', '-c', `0-${cores - 1}`, String(pid)], { stdio: 'ignore' });
}
