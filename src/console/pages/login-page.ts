import { html, type SafeHtml } from '../html.js';
import { page } from '../layout.js';

/** Why the sign-in form is shown again: the token was refused, or none was sent. */
export type LoginNotice = 'refused' | 'empty';

const NOTICES: Record<LoginNotice, string> = {
  refused: 'That token was not accepted.',
  empty: 'Paste a token to sign in.',
};

/**
 * `/login`: asks once for a token; `notice` says what was wrong with the last one,
 * `retryAfterSeconds` when this client sent too many wrong ones to try again yet.
 */
export function loginPage(replica: string, notice?: LoginNotice, retryAfterSeconds?: number): SafeHtml {
  return page(
    undefined,
    { title: 'Sign in', section: 'none', replica },
    html`<section class="login card">
      <h1>Sign in</h1>
      <p>
        This codeQ server checks who calls it. Paste a token it accepts (a static token or a JWT); the console
        shows the queues its scopes allow.
      </p>
      ${notice ? html`<p class="flash warn" role="alert">${NOTICES[notice]}</p>` : ''}
      ${
        retryAfterSeconds !== undefined
          ? html`<p class="flash warn" role="alert">
              Too many tokens from your address were refused: try again in ${retryAfterSeconds} s.
            </p>`
          : ''
      }
      <form method="post" action="/login">
        <label>Token <input type="password" name="token" autocomplete="off" required autofocus /></label>
        <button>Sign in</button>
      </form>
      <p class="muted small">
        The token stays on the server; your browser keeps only a session cookie (HttpOnly, SameSite=Strict).
      </p>
    </section>`,
  );
}
