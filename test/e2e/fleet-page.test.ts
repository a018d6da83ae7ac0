/**
 * The fleet page (`/fleet` on the admin server) in headless Chromium, against the real ADS and admin
 * servers with simulated gateways in two groups: every gateway is listed under its group, the one that
 * NACKed is highlighted with its error text, one that leaves a push unanswered is highlighted as lagging,
 * attacker-influenced strings stay text, and the page follows
 * changes live. A screenshot is saved (and checked to be a PNG; nothing is compared pixel-wise).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../browser/chromium.js';
import { tempDir } from '../support/manifests.js';
import type { AdsConnectionInfo } from '../../xds/server/connection.js';
import type { SimulatedFleet, SimulatedGateway } from '../support/simulated-fleet.js';
import { groupConfig, startSimulatedFleet } from '../support/simulated-fleet.js';

const NACK_MESSAGE =
  'Error adding/updating listener(s) edge-http: <img src=x onerror="window.__xss=1"> <script>window.__xss=2</script>';
const HOSTILE_NODE = 'gw-<b id="injected">bold</b>';

/** The browser globals the page functions use (the project compiles without the DOM lib). */
interface BrowserGlobals {
  getComputedStyle(e: unknown): { backgroundColor: string; borderLeftStyle: string };
  __xss?: number;
}

/** The Ingress edge-2's rejected listener came from, as the controller's NACK attribution reports it. */
const NACK_OBJECT = { kind: 'Ingress', namespace: 'shop', name: 'web<i>x</i>' };
function withObjects(connections: AdsConnectionInfo[]): AdsConnectionInfo[] {
  return connections.map((c) =>
    c.nodeId !== 'edge-2'
      ? c
      : {
          ...c,
          types: c.types.map((t) =>
            t.lastNack ? { ...t, lastNack: { ...t.lastNack, objects: [NACK_OBJECT] } } : t,
          ),
        },
  );
}

let fleet: SimulatedFleet;
let nacking: SimulatedGateway;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  // A gateway whose push goes unanswered for 1 s is lagging (10 s by default).
  fleet = await startSimulatedFleet({ laggingAfterMs: 1000, annotate: withObjects });
  await fleet.connect({
    id: 'edge-1',
    cluster: 'edge',
    user_agent_name: 'envoy',
    user_agent_build_version: { version: { major_number: 1, minor_number: 40, patch: 0 } },
    locality: { zone: 'zone-a' },
    metadata: { fields: { 'causeway.dev/address': { stringValue: '192.0.2.11' } } },
  });
  nacking = await fleet.connect(
    { id: 'edge-2', cluster: 'edge', locality: { zone: 'zone-b' } },
    { nackListeners: NACK_MESSAGE },
  );
  await fleet.connect({ id: 'edge-3', cluster: 'edge' }, { silentListeners: true });
  await fleet.connect({ id: 'internal-1', cluster: 'internal' });
  await fleet.connect({ id: HOSTILE_NODE, cluster: 'internal' });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(e.message));
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await fleet?.close();
});

/** node id -> [status class, badge text], per group section, as the page shows them. */
async function rowsByGroup(): Promise<Record<string, Array<[string, string, string]>>> {
  return page.$$eval('section.group', (sections) =>
    Object.fromEntries(
      sections.map((s) => [
        s.getAttribute('data-group') ?? '',
        [...s.querySelectorAll('tr.gw')].map((tr) => [
          tr.getAttribute('data-node-id') ?? '',
          [...tr.classList].filter((c) => c.startsWith('status-')).join(' '),
          tr.querySelector('.badge')?.textContent ?? '',
        ]),
      ]),
    ),
  );
}

test('lists every gateway under its group and highlights the one that NACKed, with its error', async () => {
  await page.goto(`http://127.0.0.1:${fleet.adminPort}/fleet`);
  await page.waitForSelector('tr.gw[data-node-id="edge-2"]');
  await page.waitForSelector('tr.gw[data-node-id="edge-3"].status-lagging', { timeout: 10_000 });
  expect(await rowsByGroup()).toEqual({
    edge: [
      ['edge-1', 'status-in-sync', 'IN SYNC'],
      ['edge-2', 'status-rejecting', 'REJECTING'],
      ['edge-3', 'status-lagging', 'LAGGING'],
    ],
    internal: [
      [HOSTILE_NODE, 'status-in-sync', 'IN SYNC'],
      ['internal-1', 'status-in-sync', 'IN SYNC'],
    ],
  });
  const rejecting = page.locator('tr.gw[data-node-id="edge-2"]');
  expect(await rejecting.locator('td.nack .nack-message').textContent()).toBe(NACK_MESSAGE);
  expect(await rejecting.locator('td.nack').textContent()).toContain('listener');
  expect(await rejecting.locator('td.nack .nack-objects').textContent()).toBe(
    'from Ingress shop/web<i>x</i>',
  );
  expect(await page.locator('i').count()).toBe(0);
  expect(await rejecting.locator('td.type-rejecting').count()).toBe(1);
  // The highlight is not color alone: a distinct background and border style per status.
  const style = await rejecting.evaluate((tr) => {
    const cs = (globalThis as unknown as BrowserGlobals).getComputedStyle(tr);
    return { background: cs.backgroundColor, border: cs.borderLeftStyle };
  });
  const inSync = await page
    .locator('tr.gw[data-node-id="edge-1"]')
    .evaluate((tr) => (globalThis as unknown as BrowserGlobals).getComputedStyle(tr).backgroundColor);
  expect(style.background).not.toBe(inSync);
  expect(style.border).toBe('solid');
  const lagging = await page.locator('tr.gw[data-node-id="edge-3"]').evaluate((tr) => {
    const cs = (globalThis as unknown as BrowserGlobals).getComputedStyle(tr);
    return { background: cs.backgroundColor, border: cs.borderLeftStyle };
  });
  expect(new Set([lagging.background, style.background, inSync]).size).toBe(3);
  expect(lagging.border).toBe('dashed');
  expect(await page.locator('tr.gw[data-node-id="edge-3"] td.type-lagging').count()).toBe(1);

  const edge1 = page.locator('tr.gw[data-node-id="edge-1"]');
  expect(await edge1.locator('td.zone').textContent()).toBe('zone-a');
  expect(await edge1.locator('td.address').textContent()).toBe('192.0.2.11');
  expect(await edge1.locator('td.envoy').textContent()).toBe('1.40.0');
  expect(await page.locator('#summary').textContent()).toContain(
    '2 groups, 5 gateways: 3 in sync, 1 lagging, 1 rejecting, 0 draining',
  );
}, 30_000);

test('shows node ids and NACK messages as text: nothing from the API becomes markup', async () => {
  expect(await page.locator('img').count()).toBe(0);
  expect(await page.locator('#injected').count()).toBe(0);
  expect(await page.evaluate(() => (globalThis as unknown as BrowserGlobals).__xss)).toBeUndefined();
  expect(await page.locator('tr.gw td.node code').allTextContents()).toContain(HOSTILE_NODE);
  // The script ran under the page's Content-Security-Policy (a hash mismatch would block it).
  expect(consoleErrors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
}, 30_000);

test('a group filter in the address shows one group; / redirects to the page; a screenshot is a PNG', async () => {
  await page.goto(`http://127.0.0.1:${fleet.adminPort}/fleet?group=edge`);
  await page.waitForSelector('tr.gw[data-node-id="edge-2"]');
  expect(Object.keys(await rowsByGroup())).toEqual(['edge']);

  await page.goto(`http://127.0.0.1:${fleet.adminPort}/`);
  await page.waitForSelector('tr.gw[data-node-id="edge-2"].status-rejecting');
  expect(new URL(page.url()).pathname).toBe('/fleet');
  const file = path.join(tempDir('causeway-fleet-'), 'fleet.png');
  await page.screenshot({ path: file, fullPage: true });
  const png = fs.readFileSync(file);
  expect(png.length).toBeGreaterThan(1000);
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
}, 30_000);

test('follows the fleet live: a new gateway, a drain, and a fixed config appear without a reload', async () => {
  const before = Number(await page.getAttribute('body', 'data-refreshes'));
  await fleet.connect({ id: 'internal-2', cluster: 'internal' });
  fleet.ads.setDraining('internal-1', true);
  await page.waitForSelector('tr.gw[data-node-id="internal-2"]', { timeout: 10_000 });
  await page.waitForSelector('tr.gw[data-node-id="internal-1"].status-draining', { timeout: 10_000 });
  expect(await page.locator('tr.gw[data-node-id="internal-1"] .badge').textContent()).toBe('DRAINING');
  expect(Number(await page.getAttribute('body', 'data-refreshes'))).toBeGreaterThan(before);
  fleet.ads.setDraining('internal-1', false);
  await page.waitForSelector('tr.gw[data-node-id="internal-1"].status-in-sync', { timeout: 10_000 });

  // The operator fixes the config: a new listener version, which edge-2 accepts.
  nacking.nackListeners = undefined;
  fleet.cache.setAll(
    new Map([
      ['edge', groupConfig('edge', 8080, 10081)],
      ['internal', groupConfig('internal', 9090)],
    ]),
  );
  await page.waitForSelector('tr.gw[data-node-id="edge-2"].status-in-sync', { timeout: 10_000 });
  // The last NACK stays visible as history.
  expect(await page.locator('tr.gw[data-node-id="edge-2"] .nack-message').textContent()).toBe(NACK_MESSAGE);
}, 30_000);
