import type { KeyPage, QueueConfig } from '../../lease-store/lease-store.js';
import type { PageRequest } from '../console-context.js';
import { count } from '../format.js';
import { html, type SafeHtml } from '../html.js';
import { csrfField, rowsOrEmpty } from '../layout.js';

/** Fairness keys on one page of a queue's key listing. */
export const KEYS_PER_PAGE = 20;

/** A limit as the page shows it: 0 means none. */
function limit(n: number, unit: string): SafeHtml {
  return n === 0 ? html`<span class="muted">no limit</span>` : html`${count(n)}${unit}`;
}

/**
 * The queue page's "Fair shares" card: its fairness keys busiest first (ready and leased
 * per key, paged with `?keys=CURSOR`) and its QueueConfig with a form to change it
 * (POST `{base}/config`, scope `admin`, CSRF like every console form). Keys and limits
 * are user data and go through `html`, which escapes them.
 */
export function fairShares(
  req: PageRequest,
  base: string,
  config: QueueConfig,
  keys: KeyPage,
  keysCursor: string | null,
): SafeHtml {
  const state = req.url.searchParams.get('state');
  const keep: Record<string, string> = state ? { state } : {};
  const rows = keys.keys.map(
    (k) =>
      html`<tr data-key="${k.fairnessKey}">
        <td class="mono">
          ${k.fairnessKey === '' ? html`<span class="muted">(default key)</span>` : k.fairnessKey}
        </td>
        <td class="num" data-col="ready">${count(k.ready)}</td>
        <td class="num" data-col="leased">${count(k.leased)}</td>
      </tr>`,
  );
  const next = keys.nextCursor
    ? html`<a href="${base}?${new URLSearchParams({ ...keep, keys: keys.nextCursor }).toString()}#fair-shares"
        >next keys →</a
      >`
    : '';
  const first = keysCursor
    ? html`<a href="${base}?${new URLSearchParams(keep).toString()}#fair-shares">← busiest keys</a>`
    : '';
  return html`<section class="card fair" id="fair-shares">
    <div class="card-head"><h2>Fair shares</h2></div>
    <div class="two">
      <div data-live="keys">
        <h3>Fairness keys, busiest first</h3>
        <div class="scroll">
          <table class="grid keys">
            <thead>
              <tr>
                <th>fairness key</th>
                <th class="num">ready</th>
                <th class="num">leased</th>
              </tr>
            </thead>
            <tbody>
              ${rowsOrEmpty(rows, 3, 'No task waits or runs under any key.')}
            </tbody>
          </table>
        </div>
        <p class="pager">${first} ${next}</p>
      </div>
      <div>
        <h3>Limits</h3>
        <table class="kv config">
          <tr>
            <th>max_leased_per_key</th>
            <td data-config="max_leased_per_key">${limit(config.maxLeasedPerKey, ' leased per key')}</td>
          </tr>
          <tr>
            <th>max_claims_per_second</th>
            <td data-config="max_claims_per_second">${limit(config.maxClaimsPerSecond, ' claims/s')}</td>
          </tr>
        </table>
        <form method="post" action="${base}/config" class="config-form">
          ${csrfField(req)}
          <label
            >max_leased_per_key
            <input
              name="max_leased_per_key"
              type="number"
              min="0"
              step="1"
              value="${String(config.maxLeasedPerKey)}"
          /></label>
          <label
            >max_claims_per_second
            <input
              name="max_claims_per_second"
              type="number"
              min="0"
              step="1"
              value="${String(config.maxClaimsPerSecond)}"
          /></label>
          <button id="save-config">Save limits</button>
          <p class="muted small">
            0 means no limit. Every replica applies the new limits from its next claim.
          </p>
        </form>
      </div>
    </div>
  </section>`;
}
