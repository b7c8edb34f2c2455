/**
 * The protobuf wire format at its lowest: a writer into one growing scratch buffer and a
 * reader over a Buffer. Only what codeQ's messages and its OTLP span encoder use: varints
 * (32- and 64-bit), fixed32 and fixed64, 64-bit doubles, length-delimited bytes, strings
 * and nested messages.
 */

/** Wire type 0: int32, int64, uint32, uint64, bool and enums. */
export const VARINT = 0;
/** Wire type 1: fixed64, sfixed64 and double. */
export const FIXED64 = 1;
/** Wire type 2: strings, bytes and nested messages (and packed repeated fields). */
export const LENGTH_DELIMITED = 2;
/** Wire type 5: fixed32, sfixed32 and float. */
export const FIXED32 = 5;

const TWO_32 = 4_294_967_296;

/** Bytes the varint of a non-negative integer below 2^53 takes. */
export function varintSize(n: number): number {
  let size = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/**
 * Writes one message at a time into a scratch buffer that grows as needed and is reused:
 * `finish()` copies the bytes out. Nested messages reserve two bytes for their length and
 * move their body when the length needs another size, so one pass writes everything.
 */
export class ProtoWriter {
  #buf = Buffer.allocUnsafe(64 * 1024);
  #pos = 0;

  reset(): void {
    this.#pos = 0;
  }

  finish(): Buffer {
    const out = Buffer.allocUnsafe(this.#pos);
    this.#buf.copy(out, 0, 0, this.#pos);
    return out;
  }

  #ensure(extra: number): void {
    if (this.#pos + extra <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#pos + extra) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.#buf.copy(next, 0, 0, this.#pos);
    this.#buf = next;
  }

  tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  /** A non-negative integer below 2^53. */
  varint(n: number): void {
    this.#ensure(10);
    const buf = this.#buf;
    let pos = this.#pos;
    while (n >= 128) {
      buf[pos++] = (n % 128) | 128;
      n = Math.floor(n / 128);
    }
    buf[pos++] = n;
    this.#pos = pos;
  }

  /** A signed integer as int32/int64 encode it: negatives take ten bytes (two's complement). */
  signed(n: number): void {
    if (n >= 0) {
      this.varint(n);
      return;
    }
    const lo = (n % TWO_32) + TWO_32;
    const hi = Math.floor(n / TWO_32) + TWO_32;
    this.#ensure(10);
    let low = lo >>> 0;
    let high = hi >>> 0;
    for (let i = 0; i < 9; i++) {
      this.#buf[this.#pos++] = (low & 127) | 128;
      low = (low >>> 7) | ((high & 127) << 25);
      high >>>= 7;
    }
    this.#buf[this.#pos++] = 1;
  }

  double(n: number): void {
    this.#ensure(8);
    this.#buf.writeDoubleLE(n, this.#pos);
    this.#pos += 8;
  }

  /** A fixed32 value (an unsigned integer below 2^32). */
  fixed32(n: number): void {
    this.#ensure(4);
    this.#buf.writeUInt32LE(n >>> 0, this.#pos);
    this.#pos += 4;
  }

  /** A fixed64 value from its unsigned 32-bit halves. */
  fixed64(lo: number, hi: number): void {
    this.#ensure(8);
    this.#buf.writeUInt32LE(lo >>> 0, this.#pos);
    this.#buf.writeUInt32LE(hi >>> 0, this.#pos + 4);
    this.#pos += 8;
  }

  /** Bytes as they are, no length before them: a field encoded once and kept. */
  raw(data: Uint8Array): void {
    this.#ensure(data.length);
    this.#buf.set(data, this.#pos);
    this.#pos += data.length;
  }

  /**
   * A bytes field given as hex text (trace and span ids), decoded straight into the buffer.
   * A digit outside [0-9a-fA-F] reads as OpenTelemetry's `hexToBinary` reads it.
   */
  hexBytes(hex: string): void {
    const n = hex.length >>> 1;
    this.varint(n);
    this.#ensure(n);
    const buf = this.#buf;
    let pos = this.#pos;
    for (let i = 0; i < 2 * n; i += 2)
      buf[pos++] = (nibble(hex.charCodeAt(i)) << 4) | nibble(hex.charCodeAt(i + 1));
    this.#pos = pos;
  }

  bytes(data: Uint8Array): void {
    this.varint(data.length);
    this.raw(data);
  }

  string(text: string): void {
    // Written in place after a guessed length size; the body moves if the guess was wrong.
    const max = text.length * 3;
    this.#ensure(max + 5);
    const lengthAt = this.#pos;
    const lengthSize = text.length < 128 ? 1 : 2;
    const written = this.#buf.write(text, lengthAt + lengthSize, 'utf8');
    this.#pos = lengthAt + lengthSize + written;
    this.#placeLength(lengthAt, lengthSize, written);
  }

  /**
   * Starts a nested message (after its tag): returns where its length goes. `reserved`
   * bytes are kept for the length, 2 by default; 1 suits messages mostly under 128 bytes
   * (OTLP's attributes), whose body then seldom moves. Pass the same to {@link join}.
   */
  fork(reserved: 1 | 2 = 2): number {
    this.#ensure(reserved);
    const at = this.#pos;
    this.#pos += reserved;
    return at;
  }

  /** Ends the nested message begun at `at` by `fork(reserved)`. */
  join(at: number, reserved: 1 | 2 = 2): void {
    this.#placeLength(at, reserved, this.#pos - at - reserved);
  }

  /** Writes `length` at `at`, where `reserved` bytes were left, moving the body when it needs another size. */
  #placeLength(at: number, reserved: number, length: number): void {
    const size = varintSize(length);
    const bodyAt = at + reserved;
    if (size !== reserved) {
      this.#ensure(size - reserved);
      this.#buf.copyWithin(at + size, bodyAt, bodyAt + length);
    }
    this.#pos = at;
    this.varint(length);
    this.#pos = at + size + length;
  }
}

/** Hex digits' values by character code; other characters as OpenTelemetry's `hexToBinary` reads them. */
const NIBBLES = new Int16Array(128).map((_, c) =>
  c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c - 55,
);

function nibble(c: number): number {
  return c < 128 ? NIBBLES[c]! : c - 55;
}

/** Reads fields from a Buffer; `end` bounds the current message. */
export class ProtoReader {
  pos: number;

  constructor(
    readonly buf: Buffer,
    pos = 0,
    public end = buf.length,
  ) {
    this.pos = pos;
  }

  /** A varint known to fit in 53 bits: tags and lengths. */
  varint(): number {
    const buf = this.buf;
    let result = 0;
    let factor = 1;
    for (let i = 0; i < 8; i++) {
      if (this.pos >= this.end) throw new RangeError('protobuf: truncated varint');
      const b = buf[this.pos++]!;
      result += (b & 127) * factor;
      if (b < 128) return result;
      factor *= 128;
    }
    throw new RangeError('protobuf: varint too long for a length or tag');
  }

  #lo = 0;
  #hi = 0;

  /** Reads a varint of up to 64 bits into `lo` and `hi` (unsigned halves). */
  #bits(): void {
    const buf = this.buf;
    let lo = 0;
    let b: number;
    for (let shift = 0; shift < 28; shift += 7) {
      b = this.#byte(buf);
      lo |= (b & 127) << shift;
      if (b < 128) {
        this.#lo = lo >>> 0;
        this.#hi = 0;
        return;
      }
    }
    b = this.#byte(buf);
    lo |= (b & 15) << 28;
    let hi = (b & 127) >> 4;
    if (b >= 128) {
      for (let shift = 3; ; shift += 7) {
        if (shift > 31) throw new RangeError('protobuf: varint longer than ten bytes');
        b = this.#byte(buf);
        hi |= (b & 127) << shift;
        if (b < 128) break;
      }
    }
    this.#lo = lo >>> 0;
    this.#hi = hi >>> 0;
  }

  #byte(buf: Buffer): number {
    if (this.pos >= this.end) throw new RangeError('protobuf: truncated varint');
    return buf[this.pos++]!;
  }

  /** An int64 or uint64 as a number (exact below 2^53), signed for int64. */
  int64(signed: boolean): number {
    this.#bits();
    if (signed && this.#hi >= 0x80000000) {
      // Two's complement: -(~x + 1).
      const lo = ~this.#lo >>> 0;
      const hi = ~this.#hi >>> 0;
      return -(hi * TWO_32 + lo + 1);
    }
    return this.#hi * TWO_32 + this.#lo;
  }

  /** An int32: the low 32 bits of the varint, signed. */
  int32(): number {
    this.#bits();
    return this.#lo | 0;
  }

  uint32(): number {
    this.#bits();
    return this.#lo;
  }

  double(): number {
    if (this.pos + 8 > this.end) throw new RangeError('protobuf: truncated double');
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** A length-delimited field's bounds: [start, end). */
  delimited(): [number, number] {
    const length = this.varint();
    const start = this.pos;
    const end = start + length;
    if (end > this.end) throw new RangeError('protobuf: length past the end of the message');
    this.pos = end;
    return [start, end];
  }

  skip(wireType: number): void {
    switch (wireType) {
      case VARINT:
        this.varint();
        return;
      case FIXED64:
        this.pos += 8;
        break;
      case LENGTH_DELIMITED:
        this.delimited();
        return;
      case FIXED32:
        this.pos += 4;
        break;
      default:
        throw new RangeError(`protobuf: wire type ${wireType} is not supported`);
    }
    if (this.pos > this.end) throw new RangeError('protobuf: field past the end of the message');
  }
}
