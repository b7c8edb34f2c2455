import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { keepRunningWhenLogPipeCloses } from './closed-log-pipe.js';

/** A log stream whose every write fails with `code`, as a pipe whose reader left fails with EPIPE. */
function failingStream(code: string): NodeJS.WriteStream {
  const stream = new Writable({
    write(_chunk, _encoding, done) {
      done(Object.assign(new Error(`write ${code}`), { code }));
    },
  });
  return stream as unknown as NodeJS.WriteStream;
}

describe('keepRunningWhenLogPipeCloses', () => {
  it('drops writes to a pipe whose reader left', async () => {
    const stream = failingStream('EPIPE');
    keepRunningWhenLogPipeCloses(stream);
    stream.write('a line nobody reads\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(stream.destroyed).toBe(true);
  });

  it('raises any other error of the stream', () => {
    const stream = failingStream('EIO');
    keepRunningWhenLogPipeCloses(stream);
    expect(() => stream.emit('error', Object.assign(new Error('write EIO'), { code: 'EIO' }))).toThrow(
      'write EIO',
    );
  });
});
