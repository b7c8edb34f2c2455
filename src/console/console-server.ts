import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { CodeqError, UnauthenticatedError } from '../domain/errors.js';
import { principalOf, type AccessControl } from '../server/auth/access-control.js';
import { checkListen, isLoopbackHost, isLoopbackListen } from '../server/auth/listen-guard.js';
import type { Logger } from '../telemetry/logger.js';
import type { RateLimit } from '../auth/principal.js';
import { loadAssets, type Asset } from './assets.js';
import { parseHostPort } from '../domain/host-port.js';
import type { ConsoleContext, PageRequest } from './console-context.js';
import { html, type SafeHtml } from './html.js';
import { toHttpStatus } from './http-status.js';
import { page } from './layout.js';
import { LoginThrottle } from './login-throttle.js';
import { loginPage } from './pages/login-page.js';
import { actionQueuePath, HttpRedirect, renderPage, runAction } from './routes.js';
import { ConsoleSessions, csrfMatches, type Session } from './sessions.js';

/** How the console listens and who it lets in. */
export interface ConsoleOptions {
  /** HOST:PORT (port 0 picks a free port). */
  listen: string;
  /** Let a non-loopback `listen` go without authentication (`--insecure-allow-remote`). */
  insecureAllowRemote: boolean;
  /** Serve HTTPS with these PEM files, as the gRPC port does. */
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
  /** Wrong tokens one client address may send before `/login` answers 429; default 5 at once, then one every 12 s. */
  loginFailureLimit?: RateLimit;
  logger: Logger;
}

/** Every response's headers: a strict CSP (own scripts and styles only, no inline code), no framing, no sniffing. */
const SECURITY_HEADERS: Record<string, string> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** Largest form body read, in bytes: a redrive of many selected tasks fits. */
const MAX_FORM_BYTES = 1024 * 1024;

/**
 * The web console (docs/console.md): server-rendered pages over `node:http`
 * (HTTPS when the server has TLS), on a listener of its own. Loopback unless told
 * otherwise; a remote listener without authentication is refused at start, as for the
 * gRPC port. With auth on, it asks for a token once and applies its scopes through the
 * same operations as the AdminService; every POST needs the session's CSRF token and a
 * same-origin request.
 */
export class ConsoleServer {
  readonly #server: Server;
  readonly #sessions = new ConsoleSessions();
  readonly #throttle: LoginThrottle;
  readonly #assets: Map<string, Asset>;
  readonly #secure: boolean;
  readonly #loopbackOnly: boolean;
  #port = 0;
  readonly #ctx: ConsoleContext;
  readonly #access: AccessControl;
  readonly #options: ConsoleOptions;

  constructor(ctx: ConsoleContext, access: AccessControl, options: ConsoleOptions) {
    this.#ctx = ctx;
    this.#access = access;
    this.#options = options;
    this.#throttle = new LoginThrottle(options.loginFailureLimit);
    const warning = checkListen(options.listen, {
      authenticated: access.enabled,
      insecureAllowRemote: options.insecureAllowRemote,
      flag: '--console-listen',
      // The console signs in with bearer tokens only: a client certificate does not do.
      credentials: '--auth-token-file, --auth-jwks-url or --auth-jwks-file',
    });
    if (warning) options.logger.warn(warning);
    this.#assets = loadAssets();
    this.#secure = Boolean(options.tlsCert && options.tlsKey);
    this.#loopbackOnly = !access.enabled && isLoopbackListen(options.listen);
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      this.#handle(req, res).catch((err: unknown) => {
        options.logger.error('console: request failed', { error: err });
        if (!res.headersSent) res.writeHead(500).end();
        else res.destroy();
      });
    };
    this.#server = this.#secure
      ? createHttpsServer(
          { cert: readFileSync(options.tlsCert!), key: readFileSync(options.tlsKey!) },
          handler,
        )
      : createHttpServer(handler);
  }

  /** Listens on `options.listen` (the listen rule was checked at construction). */
  async start(): Promise<void> {
    const address = parseHostPort(this.#options.listen);
    if (!address)
      throw new Error(`--console-listen: expected HOST:PORT, got ${JSON.stringify(this.#options.listen)}`);
    const { host, port } = address;
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#port = (this.#server.address() as AddressInfo).port;
  }

  /** The address to open in a browser. */
  get url(): string {
    const host = parseHostPort(this.#options.listen)?.host ?? '';
    const shown =
      host === '0.0.0.0' || host === '' || host === '::'
        ? 'localhost'
        : host.includes(':')
          ? `[${host}]`
          : host;
    return `${this.#secure ? 'https' : 'http'}://${shown}:${this.#port}/`;
  }

  /**
   * Reads `--tls-cert` and `--tls-key` again (SIGHUP): new connections get the new pair.
   * Throws, keeping the pair in force, when the files do not load.
   */
  reloadTls(): void {
    if (!this.#secure || !('setSecureContext' in this.#server)) return;
    (this.#server as HttpsServer).setSecureContext({
      cert: readFileSync(this.#options.tlsCert!),
      key: readFileSync(this.#options.tlsKey!),
    });
  }

  /** Stops listening and closes open connections. */
  async stop(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    // A page on another site could reach a loopback console through a DNS name that
    // resolves to 127.0.0.1 (DNS rebinding): without auth, only loopback names are served.
    if (this.#loopbackOnly && !isLoopbackHostHeader(req.headers.host)) {
      this.#send(res, 421, 'text/plain; charset=utf-8', 'console: only loopback host names are served');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://console.invalid');
    const path = url.pathname;
    if (req.method === 'GET' && path.startsWith('/assets/')) {
      const asset = this.#assets.get(path.slice('/assets/'.length));
      if (!asset) return this.#send(res, 404, 'text/plain; charset=utf-8', 'not found');
      res.setHeader('cache-control', 'public, max-age=300');
      return this.#send(res, 200, asset.type, asset.body);
    }
    if (req.method !== 'GET' && req.method !== 'POST')
      return this.#send(res, 405, 'text/plain', 'method not allowed');
    if (req.method === 'POST' && !sameOrigin(req))
      return this.#send(res, 403, 'text/plain', 'cross-site request refused');
    res.setHeader('cache-control', 'no-store');
    let session = this.#sessions.fromCookie(req.headers.cookie);
    if (path === '/login') return this.#login(req, res, session);
    if (this.#access.enabled && !session?.token) return this.#redirect(res, '/login');
    if (!session) {
      // Auth off: an anonymous session, only to give this browser's forms a CSRF token.
      session = this.#sessions.create(undefined);
      res.setHeader('set-cookie', this.#sessions.cookie(session, this.#secure));
    }
    const caller = {};
    if (session.token !== undefined) {
      try {
        await this.#access.authenticateToken(caller, session.token);
      } catch (err) {
        // Revoked or expired since sign-in: sign in again.
        if (!(err instanceof UnauthenticatedError)) throw err;
        this.#sessions.end(session);
        return this.#redirect(res, '/login');
      }
    }
    const who = session.token !== undefined ? principalOf(caller)?.name : undefined;
    const pageReq: PageRequest = { caller, url, csrf: session.csrf, who };
    try {
      if (req.method === 'POST') {
        const form = await readForm(req);
        if (!csrfMatches(session, form.get('csrf') ?? undefined))
          return this.#send(res, 403, 'text/plain', 'csrf: missing or wrong token; reload the page');
        if (path === '/logout') {
          this.#sessions.end(session);
          res.setHeader('set-cookie', this.#sessions.clearCookie(this.#secure));
          return this.#redirect(res, this.#access.enabled ? '/login' : '/');
        }
        return this.#redirect(res, await runAction(this.#ctx, this.#access, caller, path, form));
      }
      return this.#sendHtml(res, 200, await renderPage(this.#ctx, pageReq, path));
    } catch (err) {
      if (err instanceof HttpRedirect) return this.#redirect(res, err.location);
      const { status, message } = toHttpStatus(err, this.#options.logger);
      // A refused action (a limit out of range) leads back to the page it came from.
      const failedAction = req.method === 'POST' && status !== 404;
      const back = (failedAction ? actionQueuePath(path) : undefined) ?? '/';
      const body = html`<section class="card">
        <h1>${status === 404 ? 'Not found' : failedAction ? 'Nothing was changed' : 'Cannot show this'}</h1>
        <p class="flash warn" data-error>${message}</p>
        <p><a href="${back}">${back === '/' ? 'Back to the queues' : 'Back to the queue'}</a></p>
      </section>`;
      // The store away (Redis down, failing over): the page tries again by itself.
      const retry = req.method === 'GET' && status === 503;
      return this.#sendHtml(
        res,
        status,
        page(
          pageReq,
          {
            title: String(status),
            section: 'none',
            replica: this.#ctx.replica,
            ...(retry && { refreshSeconds: 2, reloadWhenOk: true }),
          },
          body,
        ),
      );
    }
  }

  async #login(req: IncomingMessage, res: ServerResponse, session: Session | undefined): Promise<void> {
    if (!this.#access.enabled) return this.#redirect(res, '/');
    if (req.method === 'GET') {
      if (session?.token) return this.#redirect(res, '/');
      return this.#sendHtml(res, 200, loginPage(this.#ctx.replica));
    }
    const form = await readForm(req);
    const address = req.socket.remoteAddress;
    // Checked before the token: a client out of tries learns nothing, not even from a right one.
    const waitMs = this.#throttle.retryAfterMs(address);
    if (waitMs > 0) {
      const seconds = Math.max(1, Math.ceil(waitMs / 1_000));
      this.#options.logger.warn('console: sign-in throttled', { address, retryAfterSeconds: seconds });
      res.setHeader('retry-after', String(seconds));
      return this.#sendHtml(res, 429, loginPage(this.#ctx.replica, undefined, seconds));
    }
    const token = form.get('token')?.trim() ?? '';
    // Nothing pasted is no wrong guess: asked again, not counted against the client.
    if (token === '') return this.#sendHtml(res, 400, loginPage(this.#ctx.replica, 'empty'));
    try {
      await this.#access.authenticateToken({}, token);
    } catch (err) {
      if (!(err instanceof UnauthenticatedError)) throw err;
      this.#throttle.refused(address);
      this.#options.logger.info('console: sign-in refused', { address, reason: err.message });
      return this.#sendHtml(res, 401, loginPage(this.#ctx.replica, 'refused'));
    }
    if (session) this.#sessions.end(session);
    const fresh = this.#sessions.create(token);
    res.setHeader('set-cookie', this.#sessions.cookie(fresh, this.#secure));
    return this.#redirect(res, '/');
  }

  #redirect(res: ServerResponse, location: string): void {
    res.writeHead(303, { location }).end();
  }

  #sendHtml(res: ServerResponse, status: number, body: SafeHtml): void {
    this.#send(res, status, 'text/html; charset=utf-8', body.text);
  }

  #send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) }).end(body);
  }
}

/** True for localhost, 127.0.0.0/8 and [::1] Host headers, with a port or without. */
function isLoopbackHostHeader(header: string | undefined): boolean {
  if (!header) return false;
  return isLoopbackHost(parseHostPort(header)?.host ?? header.replace(/^\[(.*)\]$/, '$1'));
}

/** A POST from a page of this console: the browser says same-origin, or the Origin matches the Host. */
function sameOrigin(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined) return site === 'same-origin' || site === 'none';
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) throw new CodeqError('RESOURCE_EXHAUSTED', 'form: larger than 1 MiB');
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
