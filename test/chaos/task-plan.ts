/** Attempts a chaos task may use; every tenth task fails all of them and ends DEAD. */
export const MAX_ATTEMPTS = 3;

/**
 * What the workers do with a task, decided by its payload (`task <n>`), so that producers
 * and workers agree without talking: every tenth task fails every attempt (it ends DEAD),
 * two in ten fail their first attempt and then complete, the rest complete at once.
 */
export function taskPlan(payload: string): { failsOn(attempt: number): boolean; settlesAgain: boolean } {
  const n = Number(/(\d+)$/.exec(payload)?.[1] ?? 0);
  const kind = n % 10;
  return {
    failsOn: (attempt) => kind === 0 || ((kind === 1 || kind === 2) && attempt === 1),
    // One task in fifty: once its completion is acknowledged, the worker completes the same
    // lease again with another result (unary Complete), which must be refused.
    settlesAgain: n % 50 === 7,
  };
}
