/** Bytes as callers hand them in: a string is taken as UTF-8 text. */
export type Bytes = Buffer | Uint8Array | string;

/**
 * The wire form of {@link Bytes}. The conversion happens here because protobuf.js reads a
 * string in a `bytes` field as base64, which would silently corrupt plain text.
 */
export function toBytes(value: Bytes, field = 'payload'): Buffer {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  // Called from JavaScript, or through a cast: say which argument, and what to do about an object.
  const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value;
  throw new TypeError(
    `${field}: expected a string, Buffer or Uint8Array, got ${got}${got === 'object' || got === 'an array' ? ' (JSON.stringify it first)' : ''}`,
  );
}

/**
 * `value` for an unsigned 32-bit field of a request, or a RangeError naming `field`: a
 * negative or fractional number would otherwise be sent as bytes the server cannot decode
 * (answered INTERNAL, naming nothing) or be cut short without a word.
 */
export function toUint32(value: number, field: string): number {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff)
    throw new RangeError(`${field}: must be a whole number from 0 to 4294967295, got ${value}`);
  return value;
}
