import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// A full collection on demand, without starting the test runner with --expose-gc.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Whether the object `ref` points at is garbage: true once a full collection freed it,
 * false when it survived several. Each try waits for a new macrotask first, since a
 * WeakRef's target stays alive until the job that created or read the WeakRef has ended.
 */
export async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let attempt = 0; attempt < 5; attempt++) {
    await nextMacrotask();
    gc();
    if (ref.deref() === undefined) return true;
  }
  return false;
}

/**
 * The heap and the memory of Buffers in use after full collections, in bytes. Buffers a
 * collection found dead are given back to the system only after it, so this collects,
 * lets a few macrotasks run, and collects again, until two readings agree within 1 MiB.
 */
export async function liveBytes(): Promise<number> {
  const read = async (): Promise<number> => {
    gc();
    for (let i = 0; i < 3; i++) await nextMacrotask();
    gc();
    const { heapUsed, external } = process.memoryUsage();
    return heapUsed + external;
  };
  let last = await read();
  for (let attempt = 0; attempt < 5; attempt++) {
    const now = await read();
    if (Math.abs(now - last) < 1024 * 1024) return now;
    last = now;
  }
  return last;
}
