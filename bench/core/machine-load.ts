import { readFileSync } from 'node:fs';

/**
 * CPU time processes of the whole machine ran so far (user + nice + system over all
 * cores, `/proc/stat`), ms; 0 where unavailable. Interrupt and softirq time is left out:
 * loopback networking is charged there, to no process, and it is the bench's own traffic.
 */
export function machineBusyMs(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const [user, nice, system] = line.trim().split(/\s+/).slice(1, 4).map(Number);
    // USER_HZ is 100 on Linux: one jiffy is 10 ms.
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0)) * 10;
  } catch {
    return 0;
  }
}
