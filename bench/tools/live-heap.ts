/**
 * Which allocation sites of a running process keep what they allocate: V8's sampling heap
 * profiler over a window, counting only the sampled objects still alive at its end (those
 * a scavenge freed are left out). What a server keeps per idle stream until the stream's
 * next message shows up here; whatever outlives two scavenges is promoted, and promotion is
 * what makes scavenges long at many open streams.
 *
 * The process must listen for an inspector: the bench's server with
 * `--server-node-flags=--inspect=127.0.0.1:9229`, any Node with `--inspect`. Prints the
 * sites keeping the most, each with two callers, and writes the whole profile (DevTools
 * opens `.heapprofile` files) to bench/results/profiles/.
 *
 *   npm run build && node dist/bench/tools/live-heap.js [inspector port, default 9229] [seconds, default 10] [sites, default 15]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { toolArgs } from './tool-args.js';

/** A node of V8's sampling heap profile (`HeapProfiler.SamplingHeapProfileNode`). */
interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

/** One site: the allocating function and its callers, with the bytes still alive. */
export interface LiveSite {
  bytes: number;
  /** The allocating frame first, then its callers. */
  frames: string[];
}

/** `name (file:line)`, the file shortened to its last two path segments. */
function frameName({ functionName, url, lineNumber }: HeapNode['callFrame']): string {
  const file = url.split('/').slice(-2).join('/');
  return `${functionName || '(anonymous)'}${file ? ` (${file}:${lineNumber + 1})` : ''}`;
}

/** The sites of a profile, most bytes first: self bytes summed by frame and `callers` callers. */
export function liveSites(head: HeapNode, callers = 2): { total: number; sites: LiveSite[] } {
  const bytes = new Map<string, LiveSite>();
  let total = 0;
  const walk = (node: HeapNode, stack: string[]): void => {
    const here = [frameName(node.callFrame), ...stack];
    if (node.selfSize > 0) {
      total += node.selfSize;
      const frames = here.slice(0, callers + 1);
      const key = frames.join('\n');
      const site = bytes.get(key);
      if (site) site.bytes += node.selfSize;
      else bytes.set(key, { bytes: node.selfSize, frames });
    }
    for (const child of node.children) walk(child, here);
  };
  walk(head, []);
  return { total, sites: [...bytes.values()].sort((a, b) => b.bytes - a.bytes) };
}

const CLOSED = 'the inspector closed the connection (did the process exit?)';

/** Calls of one inspector WebSocket, answered by id. */
class Inspector {
  readonly #ws: WebSocket;
  readonly #waiting = new Map<number, (reply: { result?: unknown; error?: { message: string } }) => void>();
  #next = 0;
  /** Settles when the socket closed. */
  readonly closed: Promise<void>;

  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.addEventListener('message', (event) => {
      const reply = JSON.parse(String(event.data)) as {
        id?: number;
        result?: unknown;
        error?: { message: string };
      };
      if (reply.id === undefined) return;
      this.#waiting.get(reply.id)?.(reply);
      this.#waiting.delete(reply.id);
    });
    // A process that dies mid-window closes the socket: every call waiting fails, none hangs.
    this.closed = new Promise((resolve) =>
      ws.addEventListener('close', () => {
        for (const answer of this.#waiting.values()) answer({ error: { message: CLOSED } });
        this.#waiting.clear();
        resolve();
      }),
    );
  }

  /** The first target of the inspector listening on 127.0.0.1:`port`. */
  static async connect(port: number): Promise<Inspector> {
    let targets: { webSocketDebuggerUrl?: string }[];
    try {
      targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as typeof targets;
    } catch (err) {
      // fetch's own message is "fetch failed"; the cause says why (ECONNREFUSED, say).
      const reason = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
      throw new Error(
        `no inspector on 127.0.0.1:${port} (${reason}); start the process with ` +
          '--inspect=127.0.0.1:PORT (the bench: --server-node-flags=--inspect=127.0.0.1:PORT)',
        { cause: err },
      );
    }
    const url = targets[0]?.webSocketDebuggerUrl;
    if (!url) throw new Error(`the inspector on 127.0.0.1:${port} lists no target to attach to`);
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener('open', () => resolve());
      ws.addEventListener('error', () => reject(new Error(`cannot open ${url}`)));
    });
    return new Inspector(ws);
  }

  call<T>(method: string, params: object = {}): Promise<T> {
    const id = ++this.#next;
    if (this.#ws.readyState !== WebSocket.OPEN) return Promise.reject(new Error(`${method}: ${CLOSED}`));
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, (reply) => {
        if (reply.error) reject(new Error(`${method}: ${reply.error.message}`));
        else resolve(reply.result as T);
      });
      this.#ws.send(JSON.stringify({ id, method, params }));
    });
  }

  close(): void {
    this.#ws.close();
  }
}

/** Samples the process behind `port` for `seconds`; the profile of what stayed alive. */
export async function sampleLiveHeap(port: number, seconds: number): Promise<HeapNode> {
  const inspector = await Inspector.connect(port);
  try {
    await inspector.call('HeapProfiler.enable');
    // One sample per 4 KB allocated on average; objects freed by either collector left out.
    await inspector.call('HeapProfiler.startSampling', { samplingInterval: 4096 });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      new Promise((resolve) => (timer = setTimeout(resolve, seconds * 1000))),
      inspector.closed,
    ]);
    clearTimeout(timer);
    const { profile } = await inspector.call<{ profile: { head: HeapNode } }>('HeapProfiler.stopSampling');
    return profile.head;
  } finally {
    inspector.close();
  }
}

const KB = 1024;

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [port, seconds, count] = toolArgs(
    'live-heap',
    [
      { name: 'inspector port', default: '9229', kind: 'count' },
      { name: 'seconds', default: '10', kind: 'count' },
      { name: 'sites', default: '15', kind: 'count' },
    ],
    'The allocation sites whose objects are still alive after a window of V8 sampling, most bytes first,\n' +
      'in a process listening for an inspector (the bench: --server-node-flags=--inspect=127.0.0.1:PORT).',
  ).map(Number) as [number, number, number];
  try {
    process.stderr.write(`live-heap: sampling 127.0.0.1:${port} for ${seconds} s\n`);
    const head = await sampleLiveHeap(port, seconds);
    const dir = 'bench/results/profiles';
    mkdirSync(dir, { recursive: true });
    const file = `${dir}/live-heap-${new Date().toISOString().replace(/[:.]/g, '-')}.heapprofile`;
    writeFileSync(file, JSON.stringify({ head }));
    const { total, sites } = liveSites(head);
    console.log(`${(total / KB).toFixed(0)} KB sampled still alive after ${seconds} s (${file})`);
    console.log('    KB  share  allocated in  <-  called from');
    for (const { bytes, frames } of sites.slice(0, count))
      console.log(
        `${(bytes / KB).toFixed(0).padStart(6)}  ${((100 * bytes) / total).toFixed(1).padStart(4)} %  ${frames.join('  <-  ')}`,
      );
  } catch (err) {
    process.stderr.write(`live-heap: ${(err as Error).message}\n`);
    process.exit(1);
  }
}
