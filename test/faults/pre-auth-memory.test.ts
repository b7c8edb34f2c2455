import { connect, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import { Producer } from '../../clients/index.js';
import { tempDir, writeTokenFile, type TestToken } from '../support/auth-fixtures.js';
import { residentBytes, startServerProcess } from '../support/server-process.js';
import { Cleanup } from './fault-harness.js';

const GOOD: TestToken = { name: 'producer', token: 'pre-auth-good-0123456789', grants: { '*': ['enqueue'] } };
/** Streams the attacker opens on its one connection, as in the attack run. */
const STREAMS = 48;
/** What each stream announces and (nearly all) sends: just under the server's 4 MiB receive limit. */
const MESSAGE_BYTES = 4 * 1024 * 1024 - 1024;
/**
 * Growth of the server's resident memory the attack may cause. Unfixed, every stream's
 * unfinished message was buffered: 48 × 4 MiB grew the server by ~200 MiB. Refused on its
 * metadata, a stream holds at most its HTTP/2 window (64 KiB): 48 of them are ~3 MiB,
 * and the rest of the bound is the noise of a Node process (GC, JIT).
 */
const RSS_GROWTH_BOUND = 48 * 1024 * 1024;
const MAX_CONCURRENT_STREAMS = 100;

/** Opens one call with a bad token and sends all but the last KiB of a ~4 MiB message. */
function attackStream(
  session: ClientHttp2Session,
  path: string,
): { stream: ClientHttp2Stream; status: Promise<string> } {
  const stream = session.request({
    ':method': 'POST',
    ':path': path,
    'content-type': 'application/grpc',
    te: 'trailers',
    authorization: 'Bearer not-a-valid-token',
  });
  const status = new Promise<string>((resolve) => {
    // A refusal before the body is a trailers-only response: grpc-status in the headers.
    // With several such streams still sending, Node's HTTP/2 layer may reset them instead
    // (ENHANCE_YOUR_CALM, 11) before the client reads the response: refused either way.
    stream.on('response', (headers) => resolve(String(headers['grpc-status'] ?? 'headers only')));
    stream.on('close', () => resolve(`reset ${stream.rstCode}`));
    stream.on('error', () => resolve(`reset ${stream.rstCode}`));
  });
  const frame = Buffer.alloc(5);
  frame.writeUInt32BE(MESSAGE_BYTES, 1);
  stream.write(frame);
  stream.write(Buffer.alloc(MESSAGE_BYTES - 1024, 0x61));
  return { stream, status };
}

describe('fault: an unauthenticated connection sends large unfinished messages', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('refuses each stream on its metadata; server memory stays bounded; others are served', async () => {
    const dir = tempDir();
    cleanup.add(() => dir.remove());
    const s = await startServerProcess([
      '--auth-token-file',
      writeTokenFile(dir.path('tokens.json'), [GOOD]),
      '--max-concurrent-streams',
      String(MAX_CONCURRENT_STREAMS),
    ]);
    cleanup.add(() => s.stop('SIGKILL'));
    const producer = new Producer({ address: s.address, token: GOOD.token });
    cleanup.add(() => producer.close());
    await producer.enqueue('warm-up', 'x');
    await new Promise((r) => setTimeout(r, 500));
    const baseline = residentBytes(s.child.pid!);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, residentBytes(s.child.pid!))), 50);
    cleanup.add(() => clearInterval(sampler));

    const session = connect(`http://${s.address}`);
    cleanup.add(() => session.destroy());
    await new Promise<void>((resolve, reject) => {
      session.once('remoteSettings', () => resolve());
      session.once('error', reject);
    });
    expect(session.remoteSettings.maxConcurrentStreams).toBe(MAX_CONCURRENT_STREAMS);
    const attack = Array.from({ length: STREAMS }, (_, i) =>
      attackStream(session, i % 2 ? '/codeq.v1.TaskService/Enqueue' : '/codeq.v1.WorkerService/Claim'),
    );
    // Another client is served while the attack runs.
    const started = Date.now();
    await producer.enqueue('during-attack', 'y');
    const servedMs = Date.now() - started;
    const statuses = await Promise.all(attack.map((a) => a.status));
    // Hold the unfinished streams open a while: memory must not grow with time either.
    await new Promise((r) => setTimeout(r, 1_500));
    clearInterval(sampler);
    const growth = peak - baseline;
    console.log(
      `pre-auth: ${STREAMS} streams refused ${JSON.stringify([...new Set(statuses)])}; server RSS ` +
        `${Math.round(baseline / 2 ** 20)} -> peak ${Math.round(peak / 2 ** 20)} MiB; another client served in ${servedMs} ms`,
    );
    // 16 = UNAUTHENTICATED, or reset by the server: either way before the message was complete.
    for (const status of statuses) expect(['16', 'reset 11']).toContain(status);
    expect(growth).toBeLessThan(RSS_GROWTH_BOUND);
    await producer.enqueue('after-attack', 'z');
  });
});
