/**
 * The fleet page served by the admin server at `/fleet`: the gateways by group, refreshed every 2 s from
 * `/api/gateways` (`/fleet?group=G` shows one group). Lagging, rejecting and draining gateways get a row
 * class (`status-lagging`...) and a text badge, not a color alone; the last NACK is shown with its error.
 *
 * One static document with inline CSS and JS, no build step and no dependency. Everything from the API
 * (node ids, addresses, NACK messages: attacker-influenced) is put into the page as text nodes
 * (`textContent`, `append(string)`, `setAttribute`), never parsed as HTML; the Content-Security-Policy
 * allows only this exact script and style (by hash) and fetches to the same origin.
 */
import { createHash } from 'node:crypto';

/** How often the page reloads `/api/gateways`. */
export const FLEET_REFRESH_MS = 2000;

const STYLE = `
:root { font-family: system-ui, sans-serif; font-size: 14px; color: #1d1d1f; background: #fafafa; }
body { margin: 1.5rem; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .25rem; }
.muted, .versions { color: #666; font-size: .85rem; }
#error { display: none; padding: .5rem .75rem; margin: .75rem 0; border: 2px solid #b00020; background: #fde7ea; }
body.stale #error { display: block; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #e3e3e3; vertical-align: top; }
th { font-size: .8rem; text-transform: uppercase; color: #555; }
code, .version { font-family: ui-monospace, monospace; font-size: .85rem; }
td.node, td.status, td.zone, td.address, td.envoy, td.age, td[class^="type-"] { white-space: nowrap; }
tr.gw { border-left: 6px solid transparent; }
tr.status-lagging { background: #fff6d6; border-left: 6px dashed #b58100; }
tr.status-rejecting { background: #fde7ea; border-left: 6px solid #b00020; }
tr.status-draining { background: #e8eef7; border-left: 6px double #3a5a8c; font-style: italic; }
.badge { display: inline-block; padding: 0 .4rem; border-radius: 3px; font-size: .75rem; font-weight: 700; letter-spacing: .03em; border: 1px solid; }
.badge-in-sync { color: #1b5e20; border-color: #1b5e20; }
.badge-lagging { color: #6b4d00; border-color: #b58100; background: #ffe9a8; }
.badge-rejecting { color: #fff; border-color: #b00020; background: #b00020; }
.badge-draining { color: #fff; border-color: #3a5a8c; background: #3a5a8c; }
td.type-lagging .version::after { content: " (behind)"; color: #6b4d00; }
td.type-rejecting .version::after { content: " (rejected)"; color: #b00020; }
.nack-message { white-space: pre-wrap; word-break: break-word; color: #b00020; }
.nack-objects { font-size: .85rem; }
.empty { color: #666; font-style: italic; }
`;

// Plain browser JavaScript (no TypeScript): it runs as is in the page.
const SCRIPT = `
'use strict';
(() => {
  const REFRESH_MS = ${FLEET_REFRESH_MS};
  const KINDS = ['cluster', 'endpoint', 'secret', 'listener', 'route'];
  const LABELS = { 'in-sync': 'IN SYNC', lagging: 'LAGGING', rejecting: 'REJECTING', draining: 'DRAINING' };
  const group = new URLSearchParams(location.search).get('group');
  const api = '/api/gateways' + (group ? '?group=' + encodeURIComponent(group) : '');
  let refreshes = 0;

  const str = (v) => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
  const known = (status) => (Object.prototype.hasOwnProperty.call(LABELS, status) ? status : 'unknown');
  const short = (v) => (v ? str(v).slice(0, 8) : '-');

  function el(tag, cls, ...children) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    for (const c of children) if (c !== undefined && c !== null) e.append(c instanceof Node ? c : str(c));
    return e;
  }

  function age(fromIso, nowIso) {
    const s = Math.max(0, Math.floor((Date.parse(nowIso) - Date.parse(fromIso)) / 1000));
    if (!Number.isFinite(s)) return '-';
    if (s < 120) return s + 's';
    const m = Math.floor(s / 60);
    if (m < 120) return m + 'm';
    const h = Math.floor(m / 60);
    return h < 48 ? h + 'h' + (m % 60 ? (m % 60) + 'm' : '') : Math.floor(h / 24) + 'd';
  }

  function badge(status) {
    const s = known(status);
    return el('span', 'badge badge-' + s, LABELS[s] || 'UNKNOWN');
  }

  function counts(c) {
    return str(c.gateways) + ' gateways: ' + str(c.inSync) + ' in sync, ' + str(c.lagging) + ' lagging, ' +
      str(c.rejecting) + ' rejecting, ' + str(c.draining) + ' draining';
  }

  function typeCell(gw, kind) {
    const t = (gw.types || []).find((x) => x.type === kind);
    if (!t) return el('td', 'type-none', '-');
    const td = el('td', 'type-' + known(t.status), el('span', 'version', short(t.ackedVersion)));
    td.title = kind + ': state ' + str(t.state) + ', sent ' + str(t.sentVersion) + ', acked ' + str(t.ackedVersion);
    return td;
  }

  function objectName(o) {
    const ns = o.namespace ? str(o.namespace) + '/' : '';
    return (o.cluster ? str(o.cluster) + ': ' : '') + str(o.kind) + ' ' + ns + str(o.name);
  }

  function nackCell(gw, now) {
    const n = gw.lastNack;
    if (!n) return el('td', 'nack', '-');
    const objects = Array.isArray(n.objects) ? n.objects : [];
    return el(
      'td',
      'nack',
      el('div', 'muted', str(n.type) + ' ' + short(n.version) + ', ' + age(n.at, now) + ' ago'),
      el('div', 'nack-message', str(n.message)),
      objects.length > 0 ? el('div', 'nack-objects', 'from ' + objects.map(objectName).join(', ')) : null,
    );
  }

  // The metrics link: the controller builds metricsUrl only from an IP or DNS name, always http://.
  function addressCell(gw) {
    const td = el('td', 'address', str(gw.address) || '-');
    const url = str(gw.metricsUrl);
    if (url.startsWith('http://')) {
      const a = el('a', 'metrics', 'metrics');
      a.setAttribute('href', url);
      a.setAttribute('rel', 'noopener noreferrer');
      td.append(' ', a);
    }
    return td;
  }

  function row(gw, now) {
    const status = known(gw.status);
    const tr = el(
      'tr',
      'gw status-' + status,
      el('td', 'node', el('code', null, str(gw.nodeId))),
      el('td', 'status', badge(status)),
      el('td', 'zone', str(gw.zone) || '-'),
      addressCell(gw),
      el('td', 'envoy', str(gw.envoyVersion) || '-'),
      el('td', 'stream', str(gw.stream)),
      el('td', 'age', age(gw.connectedAt, now)),
      ...KINDS.map((k) => typeCell(gw, k)),
      nackCell(gw, now),
    );
    tr.setAttribute('data-node-id', str(gw.nodeId));
    tr.setAttribute('data-status', status);
    return tr;
  }

  function section(g, now) {
    const head = el('tr', null, ...['Node', 'Status', 'Zone', 'Address', 'Envoy', 'Stream', 'Age']
      .concat(KINDS, ['Last NACK']).map((h) => el('th', null, h)));
    const body = el('tbody');
    const gateways = g.gateways || [];
    for (const gw of gateways) body.append(row(gw, now));
    if (gateways.length === 0) {
      const td = el('td', 'empty', 'no gateway connected');
      td.colSpan = 13;
      body.append(el('tr', null, td));
    }
    const versions = KINDS.filter((k) => g.versions && g.versions[k])
      .map((k) => k + ' ' + short(g.versions[k])).join(', ');
    const s = el(
      'section',
      'group',
      el('h2', null, 'Group ', el('code', null, str(g.name))),
      el('div', 'muted', counts(g.counts || {})),
      el('div', 'versions', 'current versions: ' + (versions || '-')),
      el('table', null, el('thead', null, head), body),
    );
    s.setAttribute('data-group', str(g.name));
    return s;
  }

  function render(view) {
    const now = view.generatedAt;
    document.getElementById('summary').textContent =
      str((view.summary || {}).groups) + ' groups, ' + counts(view.summary || {}) + '. Updated ' +
      new Date(Date.parse(now)).toLocaleTimeString() + '.';
    const groups = document.getElementById('groups');
    groups.replaceChildren(...(view.groups || []).map((g) => section(g, now)));
  }

  async function refresh() {
    try {
      const res = await fetch(api, { cache: 'no-store', headers: { accept: 'application/json' } });
      const body = await res.json();
      if (!res.ok) throw new Error(str(body && body.error) || 'HTTP ' + res.status);
      render(body);
      document.body.classList.remove('stale');
    } catch (err) {
      document.getElementById('error').textContent =
        'Cannot refresh from ' + api + ': ' + str(err && err.message) + '. Showing the last data; retrying.';
      document.body.classList.add('stale');
    } finally {
      refreshes++;
      document.body.setAttribute('data-refreshes', String(refreshes));
      setTimeout(refresh, REFRESH_MS);
    }
  }

  refresh();
})();
`;

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** Only this page's own script and style run; it may fetch from its own origin and nothing else. */
export const FLEET_PAGE_CSP = [
  "default-src 'none'",
  `script-src ${sha256(SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Causeway fleet</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Causeway gateway fleet</h1>
<div id="summary" class="muted">Loading…</div>
<div id="error" role="alert"></div>
<main id="groups"></main>
<noscript>This page needs JavaScript; the same data is at <a href="/api/gateways">/api/gateways</a>.</noscript>
<script>${SCRIPT}</script>
</body>
</html>
`;

/** The page (static: the data arrives from `/api/gateways`). */
export function fleetPageHtml(): string {
  return PAGE;
}
