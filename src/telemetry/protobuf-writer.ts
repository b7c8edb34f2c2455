import type { HrTime } from '@opentelemetry/api';

/** Bytes of `v` as a varint (`v` below 2³²). */
function varintSize(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/**
 * A growing buffer with the few protobuf writes OTLP encoding needs: tags are written by
 * the caller as bytes, a length-delimited field is opened with {@link Writer.fork} and
 * closed with {@link Writer.join}, which keeps one byte for its length and moves the content
 * along in the rare case it needs more.
 */
export class Writer {
  #buf: Buffer;
  #pos = 0;

  constructor(size: number) {
    this.#buf = Buffer.allocUnsafe(size);
  }

  finish(): Uint8Array {
    return this.#buf.subarray(0, this.#pos);
  }

  #ensure(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#pos + n) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.#buf.copy(grown, 0, 0, this.#pos);
    this.#buf = grown;
  }

  byte(b: number): void {
    this.#ensure(1);
    this.#buf[this.#pos++] = b;
  }

  bytes(bytes: Uint8Array): void {
    this.#ensure(bytes.length);
    this.#buf.set(bytes, this.#pos);
    this.#pos += bytes.length;
  }

  /** Opens a length-delimited field: one byte kept for its length, returned for {@link join}. */
  fork(): number {
    this.#ensure(1);
    return this.#pos++;
  }

  /** Closes the field opened at `at`, moving its content along when its length needs more than a byte. */
  join(at: number): void {
    const length = this.#pos - at - 1;
    if (length < 0x80) {
      this.#buf[at] = length;
      return;
    }
    const size = varintSize(length);
    this.#ensure(size - 1);
    this.#buf.copyWithin(at + size, at + 1, this.#pos);
    this.#pos += size - 1;
    let v = length;
    let p = at;
    while (v > 0x7f) {
      this.#buf[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    this.#buf[p] = v;
  }

  /** A varint; negative and 64-bit integers as int64 in two's complement, ten bytes at most. */
  varint(value: number): void {
    this.#ensure(10);
    const buf = this.#buf;
    if (value >= 0 && value <= 0xffffffff) {
      let v = value >>> 0;
      while (v > 0x7f) {
        buf[this.#pos++] = (v & 0x7f) | 0x80;
        v >>>= 7;
      }
      buf[this.#pos++] = v;
      return;
    }
    const abs = Math.abs(value);
    let low = abs >>> 0;
    let high = (abs / 0x100000000) >>> 0;
    if (value < 0) {
      low = ~low >>> 0;
      high = ~high >>> 0;
      low = (low + 1) >>> 0;
      if (low === 0) high = (high + 1) >>> 0;
    }
    while (high > 0 || low > 0x7f) {
      buf[this.#pos++] = (low & 0x7f) | 0x80;
      low = ((low >>> 7) | (high << 25)) >>> 0;
      high >>>= 7;
    }
    buf[this.#pos++] = low;
  }

  fixed32(v: number): void {
    this.#ensure(4);
    this.#buf.writeUInt32LE(v >>> 0, this.#pos);
    this.#pos += 4;
  }

  double(v: number): void {
    this.#ensure(8);
    this.#buf.writeDoubleLE(v, this.#pos);
    this.#pos += 8;
  }

  /**
   * `[seconds, nanoseconds]` as fixed64 nanoseconds since the epoch. The product does not fit
   * a double's 53 bits, so it is summed in 32-bit halves, seconds split at bit 16.
   */
  hrTime(t: HrTime): void {
    const [seconds, nanos] = t;
    const fromLow = (seconds & 0xffff) * 1e9;
    const fromHigh = ((seconds / 0x10000) >>> 0) * 1e9;
    const low = (fromLow >>> 0) + (((fromHigh & 0xffff) * 0x10000) >>> 0) + nanos;
    const high =
      Math.floor(fromLow / 0x100000000) + ((fromHigh / 0x10000) >>> 0) + Math.floor(low / 0x100000000);
    this.#ensure(8);
    this.#buf.writeUInt32LE(low >>> 0, this.#pos);
    this.#buf.writeUInt32LE(high >>> 0, this.#pos + 4);
    this.#pos += 8;
  }

  /** A hex id as bytes, length first (ids are even-length hex; a letter's case does not matter). */
  hex(id: string): void {
    const n = id.length >>> 1;
    this.#ensure(n + 5);
    this.varint(n);
    const buf = this.#buf;
    let p = this.#pos;
    for (let i = 0; i < id.length - 1; i += 2)
      buf[p++] = (nibble(id.charCodeAt(i)) << 4) | nibble(id.charCodeAt(i + 1));
    this.#pos = p;
  }

  /** A string as UTF-8, length first; ASCII copied byte by byte, anything else by Buffer's encoder. */
  string(s: string): void {
    const len = s.length;
    this.#ensure(len + 5);
    const buf = this.#buf;
    const lengthAt = this.#pos;
    if (len < 0x80) {
      let p = lengthAt + 1;
      let ascii = true;
      for (let i = 0; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c > 0x7f) {
          ascii = false;
          break;
        }
        buf[p++] = c;
      }
      if (ascii) {
        buf[lengthAt] = len;
        this.#pos = p;
        return;
      }
    }
    const bytes = Buffer.byteLength(s, 'utf8');
    this.varint(bytes);
    this.#ensure(bytes);
    this.#pos += this.#buf.write(s, this.#pos, bytes, 'utf8');
  }
}

/** Hex digits' values by character code; other characters as OpenTelemetry's `hexToBinary` reads them. */
const NIBBLES = new Int16Array(128).map((_, c) =>
  c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c - 55,
);

function nibble(c: number): number {
  return c < 128 ? NIBBLES[c]! : c - 55;
}
