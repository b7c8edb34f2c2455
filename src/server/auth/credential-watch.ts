import type { Principal } from '../../auth/principal.js';
import { UnauthenticatedError } from '../../domain/errors.js';

/** How often open streams are checked for credentials that ran out. */
export const EXPIRY_CHECK_MS = 1_000;

interface Watched {
  principal: Principal;
  /** Checks the stream's credential again; resolves to its principal now, rejects when it is no longer valid. */
  recheck: () => Promise<Principal>;
  /** Ends the stream with the refusal. */
  end: (err: UnauthenticatedError) => void;
}

/**
 * The credentials of open streams, checked again while the streams live: a stream is
 * authenticated once when it opens, so without this a token removed from the token file
 * or a JWT past its `exp` would go on working on it for as long as it stays open.
 *
 * - Every EXPIRY_CHECK_MS, a stream whose principal has expired (`expiresAtMs`) ends
 *   with UNAUTHENTICATED, so within about a second of the time a new call with the same
 *   credential is refused.
 * - After a reload (SIGHUP), every stream's credential is checked again against the new
 *   token and JWKS files: a revoked one ends its streams at once; one still valid gets
 *   its new grants.
 *
 * The timer runs only while some stream is watched, and never keeps the process alive.
 */
export class CredentialWatch {
  readonly #watched = new Map<object, Watched>();
  #timer: NodeJS.Timeout | undefined;
  readonly #clock: () => number;
  readonly #onChange: (call: object, principal: Principal) => void;

  constructor(
    clock: () => number = Date.now,
    onChange: (call: object, principal: Principal) => void = () => {},
  ) {
    this.#clock = clock;
    this.#onChange = onChange;
  }

  /** Streams under watch now. */
  get size(): number {
    return this.#watched.size;
  }

  /** Watches `call` until the returned function is called (when the stream closes). */
  watch(call: object, entry: Watched): () => void {
    this.#watched.set(call, entry);
    this.#timer ??= setInterval(() => this.endExpired(), EXPIRY_CHECK_MS).unref();
    return () => {
      if (this.#watched.get(call) !== entry) return;
      this.#watched.delete(call);
      if (this.#watched.size === 0 && this.#timer) {
        clearInterval(this.#timer);
        this.#timer = undefined;
      }
    };
  }

  /** Ends the streams whose credential has expired by now. */
  endExpired(): void {
    const now = this.#clock();
    for (const [call, entry] of this.#watched) {
      const expires = entry.principal.expiresAtMs;
      if (expires !== undefined && expires <= now) {
        this.#watched.delete(call);
        entry.end(new UnauthenticatedError('authorization: the JWT has expired'));
      }
    }
  }

  /**
   * Checks every watched stream's credential again (after a reload). A credential now
   * refused ends its stream with the refusal; a check that fails for another reason (a
   * JWKS URL that does not answer) leaves the stream as it was.
   */
  async recheckAll(): Promise<void> {
    await Promise.all([...this.#watched].map(([call, entry]) => this.#recheck(call, entry)));
    this.endExpired();
  }

  /**
   * Checks one watched stream's credential again, as `recheckAll` does: for a stream that
   * joined the watch after a reload's check had gone over the others.
   */
  recheck(call: object): void {
    const entry = this.#watched.get(call);
    if (entry) void this.#recheck(call, entry);
  }

  async #recheck(call: object, entry: Watched): Promise<void> {
    try {
      const principal = await entry.recheck();
      if (this.#watched.get(call) !== entry) return;
      entry.principal = principal;
      this.#onChange(call, principal);
    } catch (err) {
      if (!(err instanceof UnauthenticatedError) || this.#watched.get(call) !== entry) return;
      this.#watched.delete(call);
      entry.end(err);
    }
  }
}
