import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { UnavailableError } from '../../domain/errors.js';
import { NOT_REPLICATED, ReplicationWait } from './replication-wait.js';
import { RefusalLog } from './refusal-log.js';

/** Settles what is settled now and every promise reaction it sets off. */
const drain = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * An ioredis client that never connects: the test says which socket it writes to and
 * whether it is ready, and answers each WAIT by hand, in the order they were sent.
 */
function fakeConnection() {
  const client = new Redis({ lazyConnect: true });
  const waits: { resolve: (acked: string) => void; reject: (err: Error) => void }[] = [];
  vi.spyOn(client, 'call').mockImplementation((command: string) => {
    if (command !== 'WAIT') throw new Error(`unexpected ${command}`);
    return new Promise((resolve, reject) => waits.push({ resolve, reject }));
  });
  const connectTo = (socket: string) => {
    client.status = 'ready';
    client.stream = { socket } as unknown as Redis['stream'];
  };
  connectTo('first');
  const warnings: [string, Record<string, unknown>][] = [];
  const warn = (message: string, fields: Record<string, unknown>) => void warnings.push([message, fields]);
  const wait = new ReplicationWait(client, { replicas: 1, timeoutMs: 1_000 }, new RefusalLog(warn), warn);
  return { wait, waits, client, connectTo, warnings };
}

/** Records how a confirmation ended, without an unhandled rejection meanwhile. */
function outcome(confirmed: Promise<void>): { state: () => 'pending' | 'confirmed' | Error } {
  let state: 'pending' | 'confirmed' | Error = 'pending';
  confirmed.then(
    () => (state = 'confirmed'),
    (err: Error) => (state = err),
  );
  return { state: () => state };
}

describe('ReplicationWait', () => {
  it('answers a caller who asked while a WAIT was in flight with the next one, even when others ask meanwhile', async () => {
    const { wait, waits } = fakeConnection();
    const first = outcome(wait.confirm());
    const joined = outcome(wait.confirm());
    expect(waits).toHaveLength(1);

    // Replies that came in behind the first WAIT ask again at every depth of reactions
    // after its answer: some of them between that answer and the next WAIT's sending.
    const late: ReturnType<typeof outcome>[] = [];
    const askAgain = (depth: number): Promise<void> =>
      depth === 0
        ? Promise.resolve(void late.push(outcome(wait.confirm())))
        : Promise.resolve().then(() => askAgain(depth - 1));
    waits[0]!.resolve('0');
    for (let depth = 0; depth < 12; depth++) void askAgain(depth);
    await drain();
    expect(first.state()).toBeInstanceOf(UnavailableError);

    // Every WAIT sent after the first comes back short: whoever joined must hear so now,
    // not be carried over to yet another WAIT.
    for (const w of waits.slice(1)) w.resolve('0');
    await drain();
    expect(joined.state()).toBeInstanceOf(UnavailableError);
    expect((joined.state() as Error).message).toBe(NOT_REPLICATED);
  });

  it('confirms a caller only by a WAIT on the connection its reply came on', async () => {
    const { wait, waits, connectTo } = fakeConnection();
    const first = outcome(wait.confirm());
    const joined = outcome(wait.confirm());
    // The connection is lost and ioredis reconnects (a failover promoted the replica)
    // before the first WAIT is answered.
    connectTo('second');
    waits[0]!.reject(new Error('Connection is closed.'));
    await drain();
    expect(first.state()).toBeInstanceOf(UnavailableError);
    // The next WAIT runs on the new connection, whose primary has a replica: it counts
    // none of the writes the old connection carried.
    expect(waits).toHaveLength(2);
    waits[1]!.resolve('1');
    await drain();
    expect(joined.state()).toBeInstanceOf(UnavailableError);
    expect(((joined.state() as Error).cause as Error).message).toMatch(/connection to Redis was replaced/);

    // A write whose reply came on the new connection is confirmed there.
    const fresh = outcome(wait.confirm());
    waits[2]!.resolve('1');
    await drain();
    expect(fresh.state()).toBe('confirmed');
  });

  it('logs short WAITs at most once a minute, and the end of an outage it told of', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: 1_000_000 });
    try {
      const { wait, waits, warnings } = fakeConnection();
      /** One write confirmed (or not) by a WAIT answered with `acked`. */
      const write = async (acked: string) => {
        const confirmed = outcome(wait.confirm());
        waits.at(-1)!.resolve(acked);
        await drain();
        return confirmed.state();
      };
      expect(await write('0')).toBeInstanceOf(UnavailableError);
      vi.advanceTimersByTime(2_500);
      expect(await write('0')).toBeInstanceOf(UnavailableError);
      expect(await write('1')).toBe('confirmed');
      expect(warnings).toEqual([
        [
          expect.stringContaining('writes not confirmed by --redis-wait-replicas replicas in time') as string,
          { replicas_wanted: 1, replicas_confirmed: 0, wait_timeout_ms: 1_000 },
        ],
        ['writes confirmed by --redis-wait-replicas replicas again', { unconfirmed_for: '2.5s' }],
      ]);

      // A replica lagging now and then: another short WAIT within the minute is counted,
      // not logged, and neither is the end of an outage the log did not tell of.
      expect(await write('0')).toBeInstanceOf(UnavailableError);
      expect(await write('1')).toBe('confirmed');
      expect(warnings).toHaveLength(2);

      vi.advanceTimersByTime(60_000);
      expect(await write('0')).toBeInstanceOf(UnavailableError);
      expect(await write('1')).toBe('confirmed');
      expect(warnings.slice(2)).toEqual([
        [
          expect.stringContaining('writes not confirmed') as string,
          expect.objectContaining({ not_logged: 2 }),
        ],
        ['writes confirmed by --redis-wait-replicas replicas again', { unconfirmed_for: '0.0s' }],
      ]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('sends no WAIT while no connection is ready, which would go out on the next one', async () => {
    const { wait, waits, client } = fakeConnection();
    client.status = 'reconnecting';
    const lost = outcome(wait.confirm());
    await drain();
    expect(waits).toHaveLength(0);
    expect(lost.state()).toBeInstanceOf(UnavailableError);
  });
});
