/** Bytes as callers hand them in: a string is taken as UTF-8 text. */
export type Bytes = Buffer | Uint8Array | string;

/**
 * The wire form of {@link Bytes}. The conversion happens here because protobuf.js reads a
 * string in a `bytes` field as base64, which would silently corrupt plain text.
 */
export function toBytes(value: Bytes): Buffer {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (Buffer.isBuffer(value)) return value;
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}
