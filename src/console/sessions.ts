import { randomBytes, timingSafeEqual } from 'node:crypto';

/** One browser's session: the CSRF token of its forms and, with auth on, the token it signed in with. */
export interface Session {
  readonly id: string;
  readonly csrf: string;
  /** The bearer token given at sign-in, kept in server memory only; undefined when auth is off. */
  readonly token: string | undefined;
  expiresAt: number;
}

/** Name of the session cookie. */
export const SESSION_COOKIE = 'codeq_console';

/** Sessions kept at most; the least recently created go first. */
const MAX_SESSIONS = 10_000;

/**
 * The console's server-side sessions. The cookie holds only a random session id (256
 * bits); the token a user signed in with stays in this process, so it is neither in the
 * browser's cookie jar nor in any log. Sessions end after `idleMs` without a request, at
 * sign-out, and with the process.
 */
export class ConsoleSessions {
  readonly #sessions = new Map<string, Session>();
  readonly #idleMs: number;

  constructor(idleMs = 12 * 3_600_000) {
    this.#idleMs = idleMs;
  }

  /** A new session, for `token` when auth is on. */
  create(token: string | undefined): Session {
    if (this.#sessions.size >= MAX_SESSIONS) {
      const oldest = this.#sessions.keys().next().value;
      if (oldest !== undefined) this.#sessions.delete(oldest);
    }
    const session: Session = {
      id: randomBytes(32).toString('base64url'),
      csrf: randomBytes(24).toString('base64url'),
      token,
      expiresAt: Date.now() + this.#idleMs,
    };
    this.#sessions.set(session.id, session);
    return session;
  }

  /** The live session named by a request's Cookie header, its idle time restarted; undefined when none. */
  fromCookie(header: string | undefined): Session | undefined {
    const id = cookieValue(header, SESSION_COOKIE);
    if (!id) return undefined;
    const session = this.#sessions.get(id);
    if (!session) return undefined;
    const now = Date.now();
    if (session.expiresAt < now) {
      this.#sessions.delete(id);
      return undefined;
    }
    session.expiresAt = now + this.#idleMs;
    return session;
  }

  /** Ends a session. */
  end(session: Session): void {
    this.#sessions.delete(session.id);
  }

  /** The Set-Cookie value of a session: HttpOnly, SameSite=Strict, and Secure over TLS. */
  cookie(session: Session, secure: boolean): string {
    return `${SESSION_COOKIE}=${session.id}; Path=/; HttpOnly; SameSite=Strict${secure ? '; Secure' : ''}`;
  }

  /** The Set-Cookie value that clears the session cookie. */
  clearCookie(secure: boolean): string {
    return `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
  }
}

/** True when `given` is the session's CSRF token (compared in constant time). */
export function csrfMatches(session: Session, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
