import { AccessControl } from './auth/access-control.js';
import { EventEmitter } from 'node:events';
import { status } from '@grpc/grpc-js';
import { describe, expect, it, vi } from 'vitest';
import { serverConfig } from '../config/server-config.js';
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

describe('ClaimStream', () => {
  it('ends only its own stream with INTERNAL, logged once, when a handler throws a plain Error', () => {
    const logger = { error: vi.fn(), warn: vi.fn(), info: vi.fn(), debug: vi.fn() };
    const ctx = {
      config: serverConfig({}),
      logger,
      isDraining: () => false,
      access: AccessControl.off(),
      limits: new ServerLimits({ maxStreams: 10, maxWaits: 10, maxBufferedBytes: 1 << 20 }),
      metrics: { queueSeen: () => {} },
      dispatcher: {
        add: () => {
          throw new Error('dispatcher bug');
        },
        remove: () => {},
        poke: () => {},
      },
    } as unknown as ServerContext;
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
});
