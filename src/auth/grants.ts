/** What a credential may do: each scope is granted on queue patterns. */
export const SCOPES = ['enqueue', 'claim', 'read', 'admin'] as const;

/**
 * - `enqueue`: Enqueue, EnqueueBatch and CancelTask;
 * - `claim`: open a Claim stream on the queue and settle its leases (also by unary Complete);
 * - `read`: GetTask;
 * - `admin`: every scope above, and the operating calls.
 */
export type Scope = (typeof SCOPES)[number];

/** True when `text` names a scope. */
export function isScope(text: string): text is Scope {
  return (SCOPES as readonly string[]).includes(text);
}

/**
 * Scopes on the queues one pattern matches. A pattern is `*` (every queue), a prefix
 * followed by `*` (`tenant-a.*` matches `tenant-a.emails` but not `tenant-a`), or one
 * queue name matched exactly.
 */
export interface Grant {
  readonly pattern: string;
  readonly scopes: ReadonlySet<Scope>;
}

const PATTERN = /^(\*|[A-Za-z0-9][A-Za-z0-9._:-]{0,127}\*?)$/;

/** Checks a queue pattern; the error names `field`. */
export function validatePattern(pattern: string, field: string): string {
  if (!PATTERN.test(pattern))
    throw new Error(
      `${field}: expected *, a queue name, or a queue-name prefix ending in *; got ${JSON.stringify(pattern)}`,
    );
  return pattern;
}

/** True when `pattern` is a valid queue pattern. */
export function isQueuePattern(pattern: string): boolean {
  return PATTERN.test(pattern);
}

/** True when `pattern` covers `queue`. */
export function patternMatches(pattern: string, queue: string): boolean {
  if (pattern.endsWith('*')) return queue.startsWith(pattern.slice(0, -1));
  return pattern === queue;
}

/** True when some grant gives `scope` (or `admin`, which implies every scope) on `queue`. */
export function grantsAllow(grants: readonly Grant[], scope: Scope, queue: string): boolean {
  for (const grant of grants) {
    if ((grant.scopes.has(scope) || grant.scopes.has('admin')) && patternMatches(grant.pattern, queue))
      return true;
  }
  return false;
}

/** Parses scope names; the error names `field` and the scopes that exist. */
export function parseScopes(names: unknown, field: string): Set<Scope> {
  if (!Array.isArray(names) || names.length === 0)
    throw new Error(`${field}: expected a non-empty list of scopes (${SCOPES.join(', ')})`);
  const scopes = new Set<Scope>();
  for (const [i, name] of names.entries()) {
    if (typeof name !== 'string' || !isScope(name))
      throw new Error(`${field}[${i}]: expected one of ${SCOPES.join(', ')}; got ${JSON.stringify(name)}`);
    scopes.add(name);
  }
  return scopes;
}
