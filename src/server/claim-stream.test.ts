import { AccessControl } from './auth/access-control.js';
import { EventEmitter } from 'node:events';
import { status } from '@grpc/grpc-js';
import { describe, expect, it, vi } from 'vitest';
import { newTask } from '../../test/support/new-task.js';
import { serverConfig } from '../config/server-config.js';
import { formatLeaseId } from '../domain/lease-id.js';
import type { Lease } from '../domain/task.js';
import { MemoryStore } from '../lease-store/memory/memory-store.js';
import { ClaimStream } from './claim-stream.js';
import type { ServerContext } from './server-context.js';
import { ServerLimits } from './server-limits.js';

/** A Claim call as grpc-js hands it to the handler: an emitter with write, end, pause, resume. */
class FakeCall extends EventEmitter {
  readonly errors: { code: number; details: string }[] = [];
  constructor() {
    super();
    this.on('error', (e: { code: number; details: string }) => this.errors.push(e));
  }
  write(): boolean {
    return true;
  }
  end(): void {}
  pause(): void {}
  resume(): void {}
}

/** The parts of a server's context a Claim stream uses, with `parts` in place of the defaults. */
function fakeContext(parts: Record<string, unknown> = {}) {
  const logger = { error: vi.fn(), warn: vi.fn(), info: vi.fn(), debug: vi.fn() };
  const ctx = {
    config: serverConfig({}),
    logger,
    isDraining: () => false,
    access: AccessControl.off(),
    limits: new ServerLimits({ maxStreams: 10, maxWaits: 10, maxBufferedBytes: 1 << 20 }),
    metrics: { queueSeen: () => {} },
    dispatcher: { add: () => {}, remove: () => {}, poke: () => {} },
    ...parts,
  } as unknown as ServerContext;
  return { ctx, logger };
}

describe('ClaimStream', () => {
  it('ends only its own stream with INTERNAL, logged once, when a handler throws a plain Error', () => {
    const { ctx, logger } = fakeContext({
      dispatcher: {
        add: () => {
          throw new Error('dispatcher bug');
        },
        remove: () => {},
        poke: () => {},
      },
    });
    const call = new FakeCall();
    const closed = vi.fn();
    const session = new ClaimStream(call as never, ctx, closed);
    // grpc-js emits 'data' from its own code: a throw here would end the process.
    expect(() => call.emit('data', { open: { queues: ['q'] } })).not.toThrow();
    expect(call.errors).toEqual([
      expect.objectContaining({ code: status.INTERNAL, details: 'internal error' }),
    ]);
    expect(session.state).toBe('CLOSED');
    expect(closed).toHaveBeenCalledOnce();
    expect(logger.error).toHaveBeenCalledOnce();
    // Later messages of the ended stream are ignored, not logged again.
    expect(() => call.emit('data', { credit: 1 })).not.toThrow();
    expect(logger.error).toHaveBeenCalledOnce();
  });

  it('lets a settle wait for company only when its worker granted credit with it and the lease has time left', async () => {
    const settle = vi.fn((_queue: string, _op: unknown, _mayWait?: boolean) => new Promise(() => {}));
    const { ctx, logger } = fakeContext({ encodeClaimResponse: () => Buffer.alloc(8), settler: { settle } });
    const store = new MemoryStore();
    const leased = async (leaseMs: number): Promise<Lease> => {
      await store.enqueue([newTask('q')]);
      return (await store.claim('q', 1, leaseMs)).leases[0]!;
    };
    const idOf = (l: Lease) =>
      formatLeaseId({ queue: 'q', taskId: l.task.id, token: l.token, nonce: l.nonce });
    const call = new FakeCall();
    const session = new ClaimStream(call as never, ctx, () => {});
    // As grpc-js decodes a ClaimRequest: every repeated field present.
    const request = (fields: object) => ({ completes: [], fails: [], extends: [], releases: [], ...fields });
    call.emit('data', request({ open: { queues: ['q'] }, credit: 4 }));
    const [withCredit, without, extended, nearEnd] = [
      await leased(30_000),
      await leased(30_000),
      await leased(30_000),
      await leased(500),
    ];
    session.deliver('q', [withCredit, without, extended, nearEnd]);
    const mayWait = (): (boolean | undefined)[] => settle.mock.calls.map((c) => c[2]);

    call.emit('data', request({ completes: [{ leaseId: idOf(withCredit) }], credit: 1 }));
    call.emit('data', request({ fails: [{ leaseId: idOf(without) }] }));
    call.emit('data', request({ extends: [{ leaseId: idOf(extended) }], credit: 1 }));
    call.emit('data', request({ completes: [{ leaseId: idOf(nearEnd) }], credit: 1 }));
    expect(logger.error).not.toHaveBeenCalled();
    expect(call.errors).toEqual([]);
    expect(mayWait()).toEqual([true, false, false, false]);
    await store.close();
  });
});
