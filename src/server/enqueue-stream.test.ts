import { EventEmitter } from 'node:events';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { Metadata } from '@grpc/grpc-js';
import { describe, expect, it, vi } from 'vitest';
import type { EnqueueStreamResponse } from '../api/generated/codeq/v1/EnqueueStreamResponse.js';
import { serverConfig } from '../config/server-config.js';
import type { EnqueueResult, NewTask } from '../domain/task.js';
import { collected } from '../../support/collect-garbage.js';
import { AccessControl } from './auth/access-control.js';
import { EnqueueStream } from './enqueue-stream.js';
import type { ServerContext } from './server-context.js';
import { ServerLimits } from './server-limits.js';

/**
 * An EnqueueStream call as grpc-js hands it to the handler. It keeps the task ids it wrote
 * and a weak reference to each response, nothing that would keep a response alive.
 */
class FakeCall extends EventEmitter {
  readonly metadata = new Metadata();
  readonly taskIds: (string | undefined)[] = [];
  readonly written: WeakRef<EnqueueStreamResponse>[] = [];
  write(response: EnqueueStreamResponse): boolean {
    this.taskIds.push(response.results?.[0]?.taskId);
    this.written.push(new WeakRef(response));
    return true;
  }
  cork(): void {}
  uncork(): void {}
  pause(): void {}
  resume(): void {}
  end(): void {}
}

/** A store whose enqueue calls the test answers, each when it chooses (`answer(i)`: the i-th call). */
function gatedEnqueuer(): {
  enqueue(tasks: readonly NewTask[]): Promise<EnqueueResult[]>;
  answer(call: number): void;
} {
  const pending: (() => void)[] = [];
  return {
    enqueue: (tasks) =>
      new Promise((resolve) => {
        const id = pending.length;
        pending.push(() => resolve(tasks.map(() => ({ taskId: `t${id}`, duplicate: false }))));
      }),
    answer: (call) => pending[call]!(),
  };
}

function stream(): { call: FakeCall; enqueuer: ReturnType<typeof gatedEnqueuer> } {
  const enqueuer = gatedEnqueuer();
  const ctx = {
    config: serverConfig({}),
    logger: { error: vi.fn(), warn: vi.fn(), info: vi.fn(), debug: vi.fn() },
    access: AccessControl.off(),
    limits: new ServerLimits({ maxStreams: 10, maxWaits: 10, maxBufferedBytes: 1 << 20 }),
    metrics: { enabled: false },
    tracer: undefined,
    enqueuer,
  } as unknown as ServerContext;
  const call = new FakeCall();
  new EnqueueStream(call as never, ctx, () => {});
  return { call, enqueuer };
}

const request = { tasks: [{ queue: 'q', payload: Buffer.from('p') }] };

describe('EnqueueStream', () => {
  it('answers in request order, each answer once the ones before it are', async () => {
    const { call, enqueuer } = stream();
    call.emit('data', request);
    call.emit('data', request);
    enqueuer.answer(1);
    await nextMacrotask();
    expect(call.taskIds).toEqual([]);
    enqueuer.answer(0);
    await nextMacrotask();
    expect(call.taskIds).toEqual(['t0', 't1']);
  });

  it('lets go of an answer once written, while later requests still wait for the store', async () => {
    // A producer under steady load always has a request in flight: what was answered
    // must not wait for the stream to go quiet to be freed.
    const { call, enqueuer } = stream();
    call.emit('data', request);
    call.emit('data', request);
    enqueuer.answer(0);
    await nextMacrotask();
    const [answered] = call.written;
    expect(answered).toBeDefined();
    expect(await collected(answered!)).toBe(true);
    enqueuer.answer(1);
    await nextMacrotask();
    expect(call.taskIds).toEqual(['t0', 't1']);
  });
});
