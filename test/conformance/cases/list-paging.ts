import { expect, it } from 'vitest';
import type { ListableState } from '../../../src/lease-store/lease-store.js';
import type { Harness, MakeHarness } from '../harness.js';

const FAIL = { kind: 'fail', error: 'x', retryDelayMs: 0, permanent: true } as const;

/** Makes `n` new tasks DEAD: in one settle call at one instant (equal death times), or one a millisecond apart. */
async function killTasks(h: Harness, n: number, instant: 'together' | 'apart'): Promise<void> {
  for (let i = 0; i < n; i++) await h.add({ maxAttempts: 1 });
  const leases = await h.claim(n);
  expect(leases).toHaveLength(n);
  const fails = leases.map((l) => ({ ...FAIL, taskId: l.task.id, token: l.token }));
  if (instant === 'together') {
    await h.store.settle(h.queue, fails);
    return;
  }
  for (const fail of fails) {
    await h.store.settle(h.queue, [fail]);
    h.clock.advance(1);
  }
}

/** The ids of `state`'s tasks in listing order, read as one page. */
async function listAll(h: Harness, state: ListableState): Promise<string[]> {
  const page = await h.store.listTasks(h.queue, state, null, 1000);
  expect(page.nextCursor).toBeNull();
  return page.tasks.map((t) => t.id);
}

/**
 * Pages through `state` `size` tasks at a time and returns the ids in the order listed;
 * `between` runs after each page with that page's ids (to change the state meanwhile).
 */
async function pageThrough(
  h: Harness,
  state: ListableState,
  size: number,
  between: (ids: string[]) => Promise<unknown> = async () => {},
): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 50; pages++) {
    const page: Awaited<ReturnType<typeof h.store.listTasks>> = await h.store.listTasks(
      h.queue,
      state,
      cursor,
      size,
    );
    expect(page.tasks.length).toBeLessThanOrEqual(size);
    const ids = page.tasks.map((t) => t.id);
    seen.push(...ids);
    cursor = page.nextCursor;
    if (cursor === null) return seen;
    await between(ids);
  }
  throw new Error(`paging through ${state} did not end: ${seen.join(' ')}`);
}

/**
 * listTasks cursors name the place of the last task a page examined, not an offset: tasks
 * that leave the state before it between pages make the next page skip none, and a task
 * that stays in the state is listed exactly once. Registered inside admin.ts's listTasks.
 */
export function listPagingCases(setup: MakeHarness): void {
  it('continues after page 1 when page 1’s DEAD tasks were redriven before page 2', async () => {
    const h = await setup();
    await killTasks(h, 5, 'apart');
    const all = await listAll(h, 'DEAD');
    const first = await h.store.listTasks(h.queue, 'DEAD', null, 2);
    expect(first.tasks.map((t) => t.id)).toEqual(all.slice(0, 2));
    expect(await h.store.redrive(h.queue, all.slice(0, 2), 'redriven by test')).toBe(2);
    const second = await h.store.listTasks(h.queue, 'DEAD', first.nextCursor, 2);
    expect(second.tasks.map((t) => t.id)).toEqual(all.slice(2, 4));
    const third = await h.store.listTasks(h.queue, 'DEAD', second.nextCursor, 2);
    expect(third).toMatchObject({ tasks: [{ id: all[4] }], nextCursor: null });
  });

  it('continues after page 1 when workers claimed PENDING tasks from the front meanwhile', async () => {
    const h = await setup();
    for (let i = 0; i < 5; i++) await h.add();
    const all = await listAll(h, 'PENDING');
    const first = await h.store.listTasks(h.queue, 'PENDING', null, 2);
    expect(first.tasks.map((t) => t.id)).toEqual(all.slice(0, 2));
    expect((await h.claim(1)).map((l) => l.task.id)).toEqual(all.slice(0, 1));
    // A task enqueued meanwhile joins at the back, where the listing reaches it.
    const late = await h.add();
    const second = await h.store.listTasks(h.queue, 'PENDING', first.nextCursor, 2);
    expect(second.tasks.map((t) => t.id)).toEqual(all.slice(2, 4));
    const third = await h.store.listTasks(h.queue, 'PENDING', second.nextCursor, 2);
    expect(third).toMatchObject({ tasks: [{ id: all[4] }, { id: late }], nextCursor: null });
  });

  it('continues right after the task its cursor names when that very task left the state', async () => {
    const h = await setup();
    // DEAD tasks that died at one instant: the cursor's task is gone from among equals.
    await killTasks(h, 5, 'together');
    const dead = await listAll(h, 'DEAD');
    const firstDead = await h.store.listTasks(h.queue, 'DEAD', null, 2);
    expect(await h.store.redrive(h.queue, [dead[1]!], 'redriven by test')).toBe(1);
    const secondDead = await h.store.listTasks(h.queue, 'DEAD', firstDead.nextCursor, 2);
    expect(secondDead.tasks.map((t) => t.id)).toEqual(dead.slice(2, 4));
    // PENDING: the claim takes exactly page 1's tasks, the cursor's task last.
    const pending = await listAll(h, 'PENDING');
    for (let i = 0; i < 3; i++) pending.push(await h.add());
    const firstPending = await h.store.listTasks(h.queue, 'PENDING', null, 2);
    expect(firstPending.tasks.map((t) => t.id)).toEqual(pending.slice(0, 2));
    expect((await h.claim(2)).map((l) => l.task.id)).toEqual(pending.slice(0, 2));
    const secondPending = await h.store.listTasks(h.queue, 'PENDING', firstPending.nextCursor, 2);
    expect(secondPending.tasks.map((t) => t.id)).toEqual(pending.slice(2, 4));
  });

  it('starts after the place page 1 ended at when the task there moved on since', async () => {
    const h = await setup();
    for (let i = 0; i < 4; i++) await h.add();
    const leases = await h.claim(4);
    const leased = await listAll(h, 'LEASED');
    const first = await h.store.listTasks(h.queue, 'LEASED', null, 2);
    expect(first.tasks.map((t) => t.id)).toEqual(leased.slice(0, 2));
    // The lease of page 1's last task is extended: it moves behind the others.
    const moved = leases.find((l) => l.task.id === leased[1])!;
    await h.store.settle(h.queue, [
      { kind: 'extend', taskId: moved.task.id, token: moved.token, extensionMs: 60_000 },
    ]);
    const second = await h.store.listTasks(h.queue, 'LEASED', first.nextCursor, 10);
    expect(second.tasks.map((t) => t.id)).toEqual([...leased.slice(2), leased[1]]);
  });

  it('lists tasks of equal index time one page each, in order, as those before leave', async () => {
    const h = await setup();
    await killTasks(h, 5, 'together');
    const dead = await listAll(h, 'DEAD');
    const redriven = async (ids: string[]): Promise<unknown> => h.store.redrive(h.queue, ids, 'redriven');
    expect(await pageThrough(h, 'DEAD', 1, redriven)).toEqual(dead);
    expect(await h.store.redrive(h.queue, null, 'redriven')).toBe(1);
    // The redriven tasks, leased by one claim with one deadline; each page's lease completes.
    const leases = await h.claim(5);
    const leased = await listAll(h, 'LEASED');
    expect(leased.slice().sort()).toEqual(dead.slice().sort());
    const tokens = new Map(leases.map((l) => [l.task.id, l.token]));
    const complete = async (ids: string[]): Promise<unknown> =>
      h.store.settle(
        h.queue,
        ids.map((taskId) => ({
          kind: 'complete',
          taskId,
          token: tokens.get(taskId)!,
          result: Buffer.alloc(0),
        })),
      );
    expect(await pageThrough(h, 'LEASED', 1, complete)).toEqual(leased);
  });

  it('lists every task of each state once, in order, whatever the page size', async () => {
    const h = await setup();
    await killTasks(h, 4, 'together');
    await killTasks(h, 2, 'apart');
    for (let i = 0; i < 3; i++) await h.add();
    await h.claim(3, 10_000);
    for (let i = 0; i < 2; i++) await h.add();
    await h.claim(2, 5_000);
    for (const priority of [0, 5, 0, 9, 5, 0, 1]) await h.add({ priority });
    for (const delayMs of [3_000, 1_000, 3_000, 2_000, 3_000]) await h.add({ delayMs });
    for (const state of ['PENDING', 'SCHEDULED', 'LEASED', 'DEAD'] as const) {
      const all = await listAll(h, state);
      expect(new Set(all).size).toBe(all.length);
      expect(all.length).toBeGreaterThanOrEqual(5);
      for (const size of [1, 2, 3])
        expect(await pageThrough(h, state, size), `${state} by ${size}`).toEqual(all);
    }
  });
}
