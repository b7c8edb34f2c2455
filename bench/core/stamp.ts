/**
 * What a bench task carries so the worker side can measure it: the producer's send time
 * on the machine-wide monotonic clock (`process.hrtime`, CLOCK_MONOTONIC on Linux, the
 * same in every process) and on the wall clock, the run phase, the priority and the delay
 * asked for.
 *
 * codeQ payloads carry it in a fixed 24-byte binary header (no JSON on the measured
 * path), padded to the payload size; BullMQ jobs carry it as JSON fields, which is how
 * BullMQ users pass data.
 */
export interface Stamp {
  /** Send time, ns on the monotonic clock. */
  sendNs: number;
  /**
   * Send time, `Date.now()`. The store sets due times by the wall clock (Redis's TIME), so
   * whether a delayed task was leased early is read on it: a step of the wall clock (a VM's
   * time sync) moves due times against the monotonic clock, not against this one.
   */
  sendWallMs: number;
  /** Phase of the run: 0 warm-up (not measured), 1 measured, 2+ later phases. */
  epoch: number;
  priority: number;
  delayMs: number;
  /** The fairness key to send it with (codeQ); not in the payload. Absent: the default key. */
  key?: string;
}

/** Bytes of the binary stamp at the start of a codeQ payload. */
export const STAMP_BYTES = 24;

/** Now on the monotonic clock shared by every process of the machine, in ns. */
export function monoNs(): number {
  return Number(process.hrtime.bigint());
}

/** A payload of `size` bytes (at least {@link STAMP_BYTES}) that starts with the stamp. */
export function encodeStamp(stamp: Stamp, size: number): Buffer {
  const buf = Buffer.alloc(Math.max(STAMP_BYTES, size), 0x2e);
  buf.writeDoubleLE(stamp.sendNs, 0);
  buf.writeUInt8(stamp.epoch, 8);
  buf.writeUInt8(stamp.priority, 9);
  buf.writeUInt32LE(stamp.delayMs, 10);
  buf.writeDoubleLE(stamp.sendWallMs, 16);
  return buf;
}

/** The stamp of a codeQ payload, or undefined when the payload is not a bench payload. */
export function decodeStamp(payload: Buffer | undefined): Stamp | undefined {
  if (!payload || payload.length < STAMP_BYTES) return undefined;
  return {
    sendNs: payload.readDoubleLE(0),
    epoch: payload.readUInt8(8),
    priority: payload.readUInt8(9),
    delayMs: payload.readUInt32LE(10),
    sendWallMs: payload.readDoubleLE(16),
  };
}

/** BullMQ job data of about `size` bytes once serialized as JSON. */
export interface JobData {
  s: number;
  e: number;
  p: number;
  d: number;
  w: number;
  x: string;
}

/** The job data for a stamp, padded so its JSON is about `size` bytes like the codeQ payload. */
export function stampJobData(stamp: Stamp, size: number): JobData {
  const data: JobData = {
    s: stamp.sendNs,
    e: stamp.epoch,
    p: stamp.priority,
    d: stamp.delayMs,
    w: stamp.sendWallMs,
    x: '',
  };
  const used = JSON.stringify(data).length;
  data.x = '.'.repeat(Math.max(0, size - used));
  return data;
}

/** The stamp of BullMQ job data. */
export function jobDataStamp(data: JobData): Stamp {
  return { sendNs: data.s, epoch: data.e, priority: data.p, delayMs: data.d, sendWallMs: data.w };
}
