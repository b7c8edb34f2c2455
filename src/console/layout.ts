import type { PageRequest } from './console-context.js';
import { html, type SafeHtml } from './html.js';

/** The sections of the navigation bar. */
export type Section = 'queues' | 'latency' | 'none';

/** Options of one page. */
export interface PageOptions {
  title: string;
  section: Section;
  /** Seconds between live refreshes of the page's `data-live` parts; undefined: none. */
  refreshSeconds?: number;
  /** Load the whole page again once its URL answers OK (an error page that may pass). */
  reloadWhenOk?: boolean;
  replica: string;
}

/** The hidden CSRF field every state-changing form carries. */
export function csrfField(req: PageRequest): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${req.csrf}" />`;
}

/** A table's rows, or one row across its `columns` saying `empty` when there are none. */
export function rowsOrEmpty(
  rows: readonly SafeHtml[],
  columns: number,
  empty: SafeHtml | string,
): SafeHtml | readonly SafeHtml[] {
  return rows.length > 0
    ? rows
    : html`<tr>
        <td colspan="${columns}" class="empty">${empty}</td>
      </tr>`;
}

/**
 * The page shell: head with the console's own stylesheet and script (served from the
 * package, nothing fetched elsewhere), the navigation bar, and `body` in `<main>`.
 */
export function page(req: PageRequest | undefined, options: PageOptions, body: SafeHtml): SafeHtml {
  const nav = (section: Section, href: string, label: string): SafeHtml =>
    html`<a href="${href}" ${options.section === section ? html` aria-current="page"` : ''}>${label}</a>`;
  const account = req?.who
    ? html`<form method="post" action="/logout" class="inline">
        ${csrfField(req)}<span class="who">${req.who}</span> <button class="link">Sign out</button>
      </form>`
    : '';
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · codeQ</title>
<link rel="stylesheet" href="/assets/console.css">
<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">
<script src="/assets/console.js" defer></script>
</head>
<body${options.refreshSeconds ? html` data-refresh="${options.refreshSeconds}"` : ''}${options.reloadWhenOk ? html` data-reload` : ''}>
<header class="top">
<a class="brand" href="/">code<b>Q</b></a>
<nav>${nav('queues', '/', 'Queues')}${nav('latency', '/latency', 'Latency')}</nav>
<span class="replica" title="latency and rate figures are this replica's">replica ${options.replica}</span>
${account}
</header>
<main>
${body}
</main>
</body>
</html>
`;
}
