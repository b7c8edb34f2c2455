import { describe, expect, it } from 'vitest';
import {
  Checker,
  VIOLATIONS,
  formatReport,
  violationCount,
  type StoredTask,
  type ViolationClass,
} from './checker.js';
import type { ChaosEvent } from './event-log.js';

/** Runs the checker over hand-made events and a hand-made Redis. */
async function check(events: ChaosEvent[], redis: Record<string, StoredTask>) {
  const checker = new Checker();
  for (const e of events) checker.add(e);
  return checker.finish(async (ids) => ids.map((id) => redis[id] ?? null));
}

/** The classes with a non-zero count. */
function found(report: { counts: Record<ViolationClass, number> }): Partial<Record<ViolationClass, number>> {
  return Object.fromEntries(Object.entries(report.counts).filter(([, n]) => n > 0));
}

const enq = (id: string, t = 0): ChaosEvent => ({ e: 'enq', t, id, key: `k-${id}` });
const del = (id: string, lease: string, tok: number, att: number, t: number): ChaosEvent => ({
  e: 'del',
  t,
  id,
  lease,
  tok,
  att,
  w: 'w',
});
const complete = (id: string, lease: string, t: number, result = `r-${lease}`): ChaosEvent => ({
  e: 'end',
  t,
  id,
  lease,
  kind: 'COMPLETE',
  result,
});
const fail = (id: string, lease: string, t: number): ChaosEvent => ({ e: 'end', t, id, lease, kind: 'FAIL' });
const ok = (id: string, lease: string, t: number, kind: 'COMPLETE' | 'FAIL' = 'COMPLETE'): ChaosEvent => ({
  e: 'ok',
  t,
  id,
  lease,
  kind,
});
const completed = (result: string, attempt = 1): StoredTask => ({
  state: 'COMPLETED',
  attempt,
  maxAttempts: 3,
  result,
});

/** A clean history: a task failed once, then completed on its second lease; another died of its attempts. */
const CLEAN: ChaosEvent[] = [
  enq('a'),
  del('a', 'a1', 1, 1, 10),
  fail('a', 'a1', 12),
  ok('a', 'a1', 13, 'FAIL'),
  del('a', 'a2', 2, 2, 200),
  complete('a', 'a2', 202),
  ok('a', 'a2', 203),
  enq('d'),
  del('d', 'd1', 1, 1, 10),
  fail('d', 'd1', 11),
  del('d', 'd2', 2, 2, 100),
  fail('d', 'd2', 101),
  del('d', 'd3', 3, 3, 300),
  fail('d', 'd3', 301),
];
const CLEAN_REDIS: Record<string, StoredTask> = {
  a: completed('r-a2', 2),
  d: { state: 'DEAD', attempt: 3, maxAttempts: 3, result: '' },
};

describe('the chaos checker', () => {
  it('finds nothing in a clean history, and counts what it saw', async () => {
    const report = await check(CLEAN, CLEAN_REDIS);
    expect(found(report)).toEqual({});
    expect(violationCount(report)).toBe(0);
    expect(report).toMatchObject({ acknowledged: 2, completed: 1, dead: 1, deliveries: 5, okSettles: 2 });
  });

  it('accepts a completion whose acknowledgement was lost with a killed worker', async () => {
    // The worker sent the completion and died before the reply: no `ok`, the result is stored.
    const events = [enq('a'), del('a', 'a1', 1, 1, 10), complete('a', 'a1', 12)];
    expect(found(await check(events, { a: completed('r-a1') }))).toEqual({});
  });

  it('finds a lost task: acknowledged, not in Redis', async () => {
    const report = await check([...CLEAN, enq('x')], CLEAN_REDIS);
    expect(found(report)).toEqual({ lost: 1 });
    expect(report.examples.lost).toEqual(['x: acknowledged, not in Redis']);
  });

  it('finds an unfinished task', async () => {
    const report = await check([...CLEAN, enq('x')], {
      ...CLEAN_REDIS,
      x: { state: 'PENDING', attempt: 1, maxAttempts: 3, result: '' },
    });
    expect(found(report)).toEqual({ unfinished: 1 });
  });

  it('finds a task DEAD before its attempts were used', async () => {
    const report = await check(CLEAN, {
      ...CLEAN_REDIS,
      d: { state: 'DEAD', attempt: 2, maxAttempts: 3, result: '' },
    });
    expect(found(report)).toEqual({ 'dead-early': 1 });
  });

  it('finds a task completed by two leases, and its redelivery after the first completion', async () => {
    const events = [
      enq('a'),
      del('a', 'a1', 1, 1, 10),
      complete('a', 'a1', 12),
      ok('a', 'a1', 13),
      del('a', 'a2', 2, 2, 500),
      complete('a', 'a2', 502),
      ok('a', 'a2', 503),
    ];
    const report = await check(events, { a: completed('r-a2', 2) });
    expect(found(report)).toEqual({ 'completed-twice': 1, 'delivered-after-completion': 1 });
    expect(report.examples['delivered-after-completion']).toEqual([
      'a: token 2 delivered 487 ms after token 1 was completed',
    ]);
  });

  it('finds one lease acknowledged twice', async () => {
    const events = [
      enq('a'),
      del('a', 'a1', 1, 1, 10),
      complete('a', 'a1', 12),
      ok('a', 'a1', 13),
      ok('a', 'a1', 14),
    ];
    expect(found(await check(events, { a: completed('r-a1') }))).toEqual({ 'lease-settled-twice': 1 });
  });

  it('finds a second completion of one lease, with another result, that the server accepted', async () => {
    const events: ChaosEvent[] = [
      enq('a'),
      del('a', 'a1', 1, 1, 10),
      complete('a', 'a1', 12),
      ok('a', 'a1', 13),
      { e: 'again', t: 20, id: 'a', lease: 'a1', result: 'again a', code: 9 },
    ];
    // Refused (9 FAILED_PRECONDITION): as it must be.
    expect(found(await check(events, { a: completed('r-a1') }))).toEqual({});
    const accepted = events.map((e) => (e.e === 'again' ? { ...e, code: 0 } : e));
    expect(found(await check(accepted, { a: completed('again a') }))).toEqual({
      'lease-settled-twice': 1,
      'result-overwritten': 1,
    });
  });

  it('finds a result overwritten, a completion undone, and a result no worker sent', async () => {
    const one = [enq('a'), del('a', 'a1', 1, 1, 10), complete('a', 'a1', 12), ok('a', 'a1', 13)];
    expect(found(await check(one, { a: completed('something else') }))).toEqual({ 'result-overwritten': 1 });
    expect(found(await check(one, { a: { state: 'DEAD', attempt: 3, maxAttempts: 3, result: '' } }))).toEqual(
      {
        'result-overwritten': 1,
      },
    );
    const unsent = [enq('b'), del('b', 'b1', 1, 1, 10), fail('b', 'b1', 12)];
    expect(found(await check(unsent, { b: completed('from nowhere') }))).toEqual({ 'result-overwritten': 1 });
  });

  it('finds a fencing token that does not grow, also one reused by another lease', async () => {
    const lower = [
      enq('a'),
      del('a', 'a1', 2, 1, 10),
      fail('a', 'a1', 11),
      ok('a', 'a1', 12, 'FAIL'),
      del('a', 'a2', 1, 2, 100),
      complete('a', 'a2', 101),
      ok('a', 'a2', 102),
    ];
    expect(found(await check(lower, { a: completed('r-a2', 2) }))).toEqual({ 'token-not-increasing': 1 });
    const reused = lower.map((e) => (e.e === 'del' ? { ...e, tok: 1 } : e));
    expect(found(await check(reused, { a: completed('r-a2', 2) }))).toEqual({ 'token-not-increasing': 1 });
  });

  it('finds a lease that reached its handler at or after its deadline, and passes one before it', async () => {
    const delivered = (t: number): ChaosEvent[] => [
      enq('a'),
      { ...del('a', 'a1', 1, 1, t), dl: 10_000 } as ChaosEvent,
      complete('a', 'a1', t + 1),
    ];
    expect(found(await check(delivered(9_999), { a: completed('r-a1') }))).toEqual({});
    expect(found(await check(delivered(10_000), { a: completed('r-a1') }))).toEqual({
      'delivered-expired': 1,
    });
  });

  it('finds a lease settled after a later lease of its task was delivered (fencing)', async () => {
    // a1 expired while its handler ran; a2 was delivered at 100; a1's completion, sent at
    // 150, had to be refused, yet was acknowledged.
    const events = [
      enq('a'),
      del('a', 'a1', 1, 1, 10),
      del('a', 'a2', 2, 2, 100),
      complete('a', 'a1', 150),
      ok('a', 'a1', 151),
      complete('a', 'a2', 160),
    ];
    const report = await check(events, { a: completed('r-a1', 2) });
    expect(found(report)).toEqual({ 'settled-after-re-lease': 1 });
    expect(report.examples['settled-after-re-lease']).toEqual([
      'a: token 1 settled (COMPLETE) though token 2 was delivered 50 ms before the settle was sent',
    ]);
    // The same two leases, the first settled before the second was delivered: no violation.
    const inOrder = [
      enq('a'),
      del('a', 'a1', 1, 1, 10),
      fail('a', 'a1', 50),
      ok('a', 'a1', 51, 'FAIL'),
      del('a', 'a2', 2, 2, 100),
      complete('a', 'a2', 101),
    ];
    expect(found(await check(inOrder, { a: completed('r-a2', 2) }))).toEqual({});
  });

  it('finds a delivery beyond the max attempts', async () => {
    const events = [
      enq('a'),
      ...[1, 2, 3, 4].flatMap((n) => [del('a', `a${n}`, n, n, n * 100), fail('a', `a${n}`, n * 100 + 1)]),
    ];
    expect(
      found(await check(events, { a: { state: 'DEAD', attempt: 4, maxAttempts: 3, result: '' } })),
    ).toEqual({
      'attempt-over-max': 1,
    });
  });

  it('reads events in any order: a settle seen before its delivery (files are read one by one)', async () => {
    const shuffled = [...CLEAN].reverse();
    expect(found(await check(shuffled, CLEAN_REDIS))).toEqual({});
  });

  it('prints every class with its count, and examples of the ones found', async () => {
    const text = formatReport(await check([...CLEAN, enq('x')], CLEAN_REDIS));
    for (const kind of Object.keys(VIOLATIONS)) expect(text).toMatch(new RegExp(`^  ${kind} +\\d+`, 'm'));
    expect(text).toMatch(/^ {2}lost +1 /m);
    expect(text).toContain('e.g. x: acknowledged, not in Redis');
  });
});
