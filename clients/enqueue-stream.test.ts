import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { EnqueueRequest } from '../src/api/generated/codeq/v1/EnqueueRequest.js';
import type { TaskServiceClient } from '../src/api/generated/codeq/v1/TaskService.js';
import { collected } from '../support/collect-garbage.js';
import { EnqueueStreamClient } from './enqueue-stream.js';

/** An EnqueueStream call as grpc-js's client returns it: an emitter the test answers on. */
class FakeCall extends EventEmitter {
  written = 0;
  write(): boolean {
    this.written++;
    return true;
  }
  end(): void {}
}

function streamClient(): { client: EnqueueStreamClient; call: FakeCall } {
  const call = new FakeCall();
  const tasks = { enqueueStream: () => call } as unknown as TaskServiceClient;
  const client = new EnqueueStreamClient(tasks, () => Promise.reject(new Error('no fallback here')));
  return { client, call };
}

const answer = (call: FakeCall, taskId: string): boolean =>
  call.emit('data', { code: 0, results: [{ taskId, duplicate: false }] });

describe('EnqueueStreamClient', () => {
  it('answers enqueues in the order they were sent', async () => {
    const { client, call } = streamClient();
    const first = client.enqueue({ queue: 'q', payload: Buffer.from('a') });
    const second = client.enqueue({ queue: 'q', payload: Buffer.from('b') });
    answer(call, 't1');
    answer(call, 't2');
    await expect(first).resolves.toMatchObject({ taskId: 't1' });
    await expect(second).resolves.toMatchObject({ taskId: 't2' });
    expect(call.written).toBe(2);
  });

  it('lets go of an answered enqueue while later ones are still in flight', async () => {
    // A producer under steady load always has an enqueue in flight: what was answered
    // must not wait for the stream to go quiet to be freed.
    const { client, call } = streamClient();
    // Built in a function of its own, so that only the client holds the request.
    const send = (): { answered: Promise<unknown>; ref: WeakRef<EnqueueRequest> } => {
      const request: EnqueueRequest = { queue: 'q', payload: Buffer.alloc(1024) };
      return { answered: client.enqueue(request), ref: new WeakRef(request) };
    };
    const { answered, ref } = send();
    const later = client.enqueue({ queue: 'q', payload: Buffer.from('b') });
    answer(call, 't1');
    await answered;
    expect(await collected(ref)).toBe(true);
    answer(call, 't2');
    await expect(later).resolves.toMatchObject({ taskId: 't2' });
  });

  it('rejects what is still owed when the stream breaks', async () => {
    const { client, call } = streamClient();
    const first = client.enqueue({ queue: 'q', payload: Buffer.from('a') });
    const second = client.enqueue({ queue: 'q', payload: Buffer.from('b') });
    answer(call, 't1');
    call.emit('error', Object.assign(new Error('14 UNAVAILABLE: gone'), { code: 14, details: 'gone' }));
    await expect(first).resolves.toMatchObject({ taskId: 't1' });
    await expect(second).rejects.toMatchObject({ code: 14 });
  });
});
