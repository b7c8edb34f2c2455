import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../telemetry/logger.js';
import { countStream, ServerLimits } from './server-limits.js';

describe('ServerLimits', () => {
  it('counts a stream once however many ways it ends, and refuses one past the cap naming the setting', () => {
    const ctx = {
      limits: new ServerLimits({ maxStreams: 1, maxWaits: 1, maxBufferedBytes: 1024 }),
      logger: silentLogger,
    };
    const first = new EventEmitter();
    expect(countStream(ctx, first)).toBeDefined();
    const second = new EventEmitter();
    const errors: { code: number; details: string }[] = [];
    second.on('error', (err: { code: number; details: string }) => errors.push(err));
    expect(countStream(ctx, second)).toBeUndefined();
    expect(errors.map((e) => e.code)).toEqual([8]); // RESOURCE_EXHAUSTED
    expect(errors[0]!.details).toMatch(/--max-streams 1/);
    first.emit('cancelled');
    first.emit('close');
    expect(ctx.limits.openStreams).toBe(0);
    expect(countStream(ctx, new EventEmitter())).toBeDefined();
    expect(ctx.limits.openStreams).toBe(1);
  });

  it('frees a wait place once, and refuses past the cap', () => {
    const limits = new ServerLimits({ maxStreams: 1, maxWaits: 1, maxBufferedBytes: 1024 });
    const end = limits.beginWait();
    expect(() => limits.beginWait()).toThrow(/waits: .*--max-waits 1/);
    end();
    end();
    expect(limits.heldWaits).toBe(0);
  });
});
