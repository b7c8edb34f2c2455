import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseScopes, validatePattern, type Grant } from './grants.js';
import type { Principal, RateLimit } from './principal.js';

/** The SHA-256 of a token, in lowercase hex: how a token file stores it. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new Error(`${field}: expected a non-empty string`);
  return value;
}

function positiveNumber(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw new Error(`${field}: expected a number above 0, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * Parses a rate limit, `{ "perSecond": N, "burst": N }` (burst defaults to perSecond, at
 * least 1), as token files and the JWT `codeq_rate` claim write it; errors name `field`.
 */
export function parseRateLimit(value: unknown, field: string): RateLimit | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw new Error(`${field}: expected { "perSecond": N, "burst": N }`);
  const perSecond = positiveNumber(value.perSecond, `${field}.perSecond`);
  // A bucket smaller than one task would refuse every enqueue.
  const burst =
    value.burst === undefined ? Math.max(1, perSecond) : positiveNumber(value.burst, `${field}.burst`);
  if (burst < 1) throw new Error(`${field}.burst: must be at least 1, got ${burst}`);
  return { perSecond, burst };
}

function parseGrants(value: unknown, field: string): Grant[] {
  if (!isObject(value) || Object.keys(value).length === 0)
    throw new Error(
      `${field}: expected an object of queue pattern to scopes, e.g. { "tenant-a.*": ["enqueue"] }`,
    );
  return Object.entries(value).map(([pattern, scopes]) => ({
    pattern: validatePattern(pattern, `${field} key`),
    scopes: parseScopes(scopes, `${field}[${JSON.stringify(pattern)}]`),
  }));
}

/**
 * Parses a token file (JSON). Only hashes are stored, so the file is no secret:
 *
 * ```json
 * { "tokens": [ { "name": "billing-producer",
 *                 "sha256": "<SHA-256 of the token, hex>",
 *                 "grants": { "billing.*": ["enqueue", "read"] },
 *                 "workerId": "billing-worker",
 *                 "rateLimit": { "perSecond": 100, "burst": 200 } } ] }
 * ```
 *
 * `workerId` and `rateLimit` are optional. Errors name the file and the field.
 * Returns the principals by token hash.
 */
export function parseTokenFile(text: string, source: string): Map<string, Principal> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new Error(`${source}: not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!isObject(doc) || !Array.isArray(doc.tokens))
    throw new Error(`${source}: tokens: expected a list of tokens`);
  const byHash = new Map<string, Principal>();
  const names = new Set<string>();
  for (const [i, entry] of doc.tokens.entries()) {
    const field = `${source}: tokens[${i}]`;
    if (!isObject(entry)) throw new Error(`${field}: expected an object`);
    const name = optionalString(entry.name, `${field}.name`);
    if (name === undefined) throw new Error(`${field}.name: required`);
    if (names.has(name)) throw new Error(`${field}.name: ${JSON.stringify(name)} is used by another token`);
    names.add(name);
    const hash = typeof entry.sha256 === 'string' ? entry.sha256.toLowerCase() : '';
    if (!/^[0-9a-f]{64}$/.test(hash))
      throw new Error(`${field}.sha256: expected the SHA-256 of the token as 64 hex digits`);
    if (byHash.has(hash)) throw new Error(`${field}.sha256: the same token is listed twice`);
    byHash.set(hash, {
      name,
      source: 'token',
      workerId: optionalString(entry.workerId, `${field}.workerId`),
      grants: parseGrants(entry.grants, `${field}.grants`),
      rateLimit: parseRateLimit(entry.rateLimit, `${field}.rateLimit`),
    });
  }
  return byHash;
}

/** Reads and parses a token file; see {@link parseTokenFile}. A file that cannot be read is named with its flag. */
export function loadTokenFile(path: string): Map<string, Principal> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`--auth-token-file: cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseTokenFile(text, path);
}
