import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freeFixedPort } from '../../support/free-port.js';

describe('freeFixedPort', () => {
  it('hands out a free port below the kernel’s ephemeral range, never one already taken', async () => {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    const first = await freeFixedPort();
    const taken = [first];
    for (let i = 0; i < 20; i++) {
      const port = await freeFixedPort(taken);
      expect(taken).not.toContain(port);
      taken.push(port);
    }
    for (const port of taken) expect(port).toBeLessThan(low);
    // Free: a server binds it.
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(first, '127.0.0.1', resolve);
    });
    await new Promise((resolve) => server.close(resolve));
  });
});
