import { readFileSync } from 'node:fs';

/** Busy CPU time of the whole machine so far (all cores, `/proc/stat`), ms; 0 where unavailable. */
export function machineBusyMs(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    const [, ...fields] = line.trim().split(/\s+/);
    const [user, nice, system, _idle, _iowait, irq, softirq, steal] = fields.map(Number);
    // USER_HZ is 100 on Linux: one jiffy is 10 ms.
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * 10;
  } catch {
    return 0;
  }
}
