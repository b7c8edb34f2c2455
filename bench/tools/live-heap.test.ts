import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../support/free-port.js';
import { liveSites, sampleLiveHeap } from './live-heap.js';

const frame = (functionName: string, url = '/app/src/a.js', lineNumber = 9) => ({
  functionName,
  url,
  lineNumber,
});

/** The port a child started with `--inspect=127.0.0.1:0` says it listens on. */
function inspectorPort(child: ChildProcess): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    let text = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const m = /ws:\/\/127\.0\.0\.1:(\d+)\//.exec(text);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', () => reject(new Error(`the child exited: ${text}`)));
  });
}

describe('live-heap', () => {
  it('sums self bytes by site with its callers, most first', () => {
    const head = {
      callFrame: frame('(root)', ''),
      selfSize: 0,
      children: [
        {
          callFrame: frame('read'),
          selfSize: 100,
          children: [
            { callFrame: frame('decode', '/app/node_modules/lib/dec.js', 36), selfSize: 300, children: [] },
          ],
        },
        {
          callFrame: frame('write'),
          selfSize: 0,
          children: [
            { callFrame: frame('decode', '/app/node_modules/lib/dec.js', 36), selfSize: 50, children: [] },
          ],
        },
      ],
    };
    const { total, sites } = liveSites(head);
    expect(total).toBe(450);
    expect(sites).toEqual([
      { bytes: 300, frames: ['decode (lib/dec.js:37)', 'read (src/a.js:10)', '(root)'] },
      { bytes: 100, frames: ['read (src/a.js:10)', '(root)'] },
      { bytes: 50, frames: ['decode (lib/dec.js:37)', 'write (src/a.js:10)', '(root)'] },
    ]);
    // With no callers, one site per allocating function.
    expect(liveSites(head, 0).sites.map((s) => [s.frames, s.bytes])).toEqual([
      [['decode (lib/dec.js:37)'], 350],
      [['read (src/a.js:10)'], 100],
    ]);
  });

  describe('against a process with an inspector', () => {
    let child: ChildProcess | undefined;
    afterEach(() => {
      child?.kill();
      child = undefined;
    });

    it('names the site that keeps what it allocates, not the one whose objects die', async () => {
      // Every 50 ms: 2 MB of short-lived objects, 250 KB kept, and a full collection.
      const script = `
        const kept = [];
        function keepForever() { for (let i = 0; i < 5000; i++) kept.push({ i, s: 'k' + i }); }
        function throwAway() { let last; for (let i = 0; i < 40000; i++) last = { i, s: 't' + i }; return last; }
        setInterval(() => { keepForever(); throwAway(); if (kept.length > 400000) kept.length = 0; gc(); }, 50);
      `;
      child = spawn(process.execPath, ['--inspect=127.0.0.1:0', '--expose-gc', '-e', script], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const port = await inspectorPort(child);
      const { sites } = liveSites(await sampleLiveHeap(port, 2), 0);
      const bytesOf = (name: string) =>
        sites.filter((s) => s.frames[0]!.startsWith(name)).reduce((sum, s) => sum + s.bytes, 0);
      expect(sites[0]!.frames[0]).toMatch(/^keepForever /);
      expect(bytesOf('keepForever')).toBeGreaterThan(1_000_000);
      expect(bytesOf('throwAway')).toBeLessThan(bytesOf('keepForever') / 2);
    }, 20_000);

    it('fails, not hangs, when the process dies during the window', async () => {
      child = spawn(process.execPath, ['--inspect=127.0.0.1:0', '-e', 'setInterval(() => {}, 1000)'], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      const port = await inspectorPort(child);
      const sampled = sampleLiveHeap(port, 5);
      setTimeout(() => child?.kill('SIGKILL'), 500);
      await expect(sampled).rejects.toThrow(/did the process exit\?/);
    }, 20_000);

    it('says how to start a process it can reach when nothing listens', async () => {
      const port = await freePort();
      await expect(sampleLiveHeap(port, 1)).rejects.toThrow(
        new RegExp(
          `no inspector on 127\\.0\\.0\\.1:${port} \\(.*ECONNREFUSED.*--inspect=127\\.0\\.0\\.1:PORT`,
        ),
      );
    });
  });
});
