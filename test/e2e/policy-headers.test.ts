/**
 * Header and CORS policies through a real Envoy gateway (issue 12, item 3): request headers set, added
 * and removed as the backend sees them, response headers as the client sees them, a `%` in a value
 * staying a literal (never an Envoy format operator), X-Request-Id generated when absent and kept when
 * sent, CORS preflights answered by the gateway for an allowed origin (exact and wildcard) and refused
 * for a disallowed one, and another Ingress on the same gateway untouched. Then in headless Chromium: a
 * page on an allowed origin fetches cross-origin through the gateway (with a preflight) and reads the
 * answer; the same fetch from a page on another origin fails and never reaches the backend.
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { chromiumPath } from '../browser/chromium.js';
import { loadCase } from '../golden/golden-cases.js';
import { staticBootstrap } from '../golden/static-bootstrap.js';
import { validateEnvoyConfig } from '../support/envoy-validate.js';
import { translate } from '../../src/translate/translate.js';
import { translateXds } from '../../xds/translator/xds.translator.js';
import {
  startEchoBackend,
  type EchoAnswer,
  type EchoBackend,
  type EchoBody,
} from '../support/echo-backend.js';
import { httpGet, type HttpResponse } from '../support/http-client.js';
import {
  endpointSlice,
  INGRESS_CLASS,
  service,
  tempDir,
  yamlDocs,
  hostIngress as ingressFor,
} from '../support/manifests.js';
import { freePorts } from '../support/ports.js';
import { startRoutingGateway, type StandaloneGateway } from '../support/standalone-gateway.js';

function hostIngress(
  name: string,
  host: string,
  annotations: Record<string, string> = {},
  serviceName = 'echo',
): object {
  return ingressFor({ name, host, service: serviceName, annotations });
}

const CORS = {
  'causeway.dev/enable-cors': 'true',
  'causeway.dev/cors-allow-origin': 'https://app.example.com, https://*.example.org',
  'causeway.dev/cors-allow-methods': 'GET, POST',
  'causeway.dev/cors-expose-headers': 'X-Request-Id',
  'causeway.dev/cors-max-age': '600',
};

let dir: string;
let backend: EchoBackend;
let stack: StandaloneGateway | undefined;
let httpPort: number;

beforeAll(async () => {
  dir = tempDir('causeway-e2e-headers-');
  // A backend that answers with its own permissive CORS header, which the gateway must not let through
  // for a disallowed origin.
  backend = await startEchoBackend({
    name: 'echo',
    respond: (req): EchoAnswer =>
      req.path.startsWith('/permissive')
        ? { headers: { 'access-control-allow-origin': '*' } }
        : req.path === '/page'
          ? { headers: { 'content-type': 'text/html' }, body: '<!doctype html><title>page</title>' }
          : {},
  });
  [httpPort] = (await freePorts(1)) as [number];
  fs.writeFileSync(
    path.join(dir, 'objects.yaml'),
    yamlDocs(
      INGRESS_CLASS,
      service('echo'),
      endpointSlice('echo', [{ address: '127.0.0.1', port: backend.port }]),
      hostIngress('plain', 'plain.example.com'),
      hostIngress('headers', 'headers.example.com', {
        'causeway.dev/request-headers-set':
          'X-Env: production\nX-Discount: 100%\nX-Literal: %DOWNSTREAM_REMOTE_ADDRESS%\n',
        'causeway.dev/request-headers-add': 'X-Tag: gateway',
        'causeway.dev/request-headers-remove': 'X-Debug, X-Internal-Token',
        'causeway.dev/response-headers-set': 'X-Frame-Options: DENY\nX-Status: %RESPONSE_CODE%',
        'causeway.dev/response-headers-add': 'Cache-Control: no-store',
        'causeway.dev/response-headers-remove': 'x-echo-backend',
      }),
      hostIngress('cors', 'api.example.com', CORS),
      // For the browser: pages on app.example.com (allowed) and evil.example.com, an API that allows the first.
      hostIngress('pages', 'app.example.com'),
      hostIngress('evil-pages', 'evil.example.com'),
      hostIngress('browser-api', 'browser-api.example.com', {
        'causeway.dev/enable-cors': 'true',
        'causeway.dev/cors-allow-origin': `http://app.example.com:${httpPort}`,
        'causeway.dev/cors-allow-headers': 'Content-Type, X-Api-Key',
      }),
      hostIngress(
        'missing',
        'missing.example.com',
        { 'causeway.dev/response-headers-set': 'X-Frame-Options: DENY' },
        'no-such-service',
      ),
    ),
  );
  // Routing once the route configuration arrived and was accepted (a rejected one would leave every host 404).
  stack = await startRoutingGateway({ manifests: dir, httpPort, name: 'headers-gateway' });
}, 60_000);

afterAll(async () => {
  await backend?.close();
  await stack?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}, 30_000);

beforeEach(() => backend.reset());

function get(
  host: string,
  headers: Record<string, string> = {},
  method = 'GET',
  p = '/',
): Promise<HttpResponse> {
  return httpGet(`http://127.0.0.1:${httpPort}${p}`, { host, headers, method });
}

function echoed(r: HttpResponse): EchoBody {
  expect(r.status).toBe(200);
  return JSON.parse(r.body) as EchoBody;
}

test('request headers: set replaces, add appends, remove drops, as the backend sees them', async () => {
  const seen = echoed(
    await get('headers.example.com', {
      'X-Env': 'dev',
      'X-Tag': 'client',
      'X-Debug': '1',
      'X-Internal-Token': 'secret',
    }),
  ).headers;
  expect(seen['x-env']).toBe('production');
  expect(seen['x-tag']).toBe('client, gateway');
  expect(seen['x-debug']).toBeUndefined();
  expect(seen['x-internal-token']).toBeUndefined();
});

test('a % in a value stays literal: no Envoy format operator is evaluated', async () => {
  const r = await get('headers.example.com');
  const seen = echoed(r).headers;
  expect(seen['x-discount']).toBe('100%');
  expect(seen['x-literal']).toBe('%DOWNSTREAM_REMOTE_ADDRESS%');
  expect(r.headers['x-status']).toBe('%RESPONSE_CODE%');
});

test('response headers: set and add reach the client, remove drops the backend header', async () => {
  const r = await get('headers.example.com');
  expect(r.headers['x-frame-options']).toBe('DENY');
  expect(r.headers['cache-control']).toBe('no-store');
  expect(r.headers['x-echo-backend']).toBeUndefined();
});

test("response headers also reach the gateway's own answer for the route (503, missing Service)", async () => {
  const r = await get('missing.example.com');
  expect(r.status).toBe(503);
  expect(r.headers['x-frame-options']).toBe('DENY');
});

test('another Ingress on the gateway keeps every header', async () => {
  const r = await get('plain.example.com', { 'X-Debug': '1', 'X-Env': 'dev' });
  const seen = echoed(r).headers;
  expect(seen['x-debug']).toBe('1');
  expect(seen['x-env']).toBe('dev');
  expect(seen['x-tag']).toBeUndefined();
  expect(r.headers['x-echo-backend']).toBe('echo');
  expect(r.headers['x-frame-options']).toBeUndefined();
  expect(r.headers['vary']).toBeUndefined();
});

test('X-Request-Id: generated when the client sent none, kept when it did, returned to the client', async () => {
  const fresh = await get('plain.example.com');
  const generated = echoed(fresh).headers['x-request-id'];
  expect(generated).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  expect(fresh.headers['x-request-id']).toBe(generated);
  const other = echoed(await get('plain.example.com')).headers['x-request-id'];
  expect(other).not.toBe(generated);

  const kept = await get('plain.example.com', { 'X-Request-Id': 'client-trace-42' });
  expect(echoed(kept).headers['x-request-id']).toBe('client-trace-42');
  expect(kept.headers['x-request-id']).toBe('client-trace-42');
});

function preflight(origin: string): Promise<HttpResponse> {
  return get(
    'api.example.com',
    {
      Origin: origin,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'content-type',
    },
    'OPTIONS',
  );
}

test('a CORS preflight from an allowed origin is answered by the gateway', async () => {
  const r = await preflight('https://app.example.com');
  expect(r.status).toBe(200);
  expect(r.headers['access-control-allow-origin']).toBe('https://app.example.com');
  expect(r.headers['access-control-allow-methods']).toBe('GET, POST');
  expect(r.headers['access-control-allow-headers']).toContain('Content-Type');
  expect(r.headers['access-control-allow-credentials']).toBe('true');
  expect(r.headers['access-control-max-age']).toBe('600');
  expect(backend.requests).toHaveLength(0);
});

test('a wildcard origin allows exactly one label', async () => {
  const one = await preflight('https://shop.example.org');
  expect(one.headers['access-control-allow-origin']).toBe('https://shop.example.org');
  for (const origin of ['https://a.b.example.org', 'https://example.org', 'http://shop.example.org']) {
    const r = await preflight(origin);
    expect([origin, r.headers['access-control-allow-origin']]).toEqual([origin, undefined]);
  }
});

test('a disallowed origin is refused: its preflight gets no allow-origin and never reaches the backend', async () => {
  const r = await preflight('https://evil.example.com');
  expect(r.status).toBe(200);
  expect(r.headers['access-control-allow-origin']).toBeUndefined();
  expect(backend.requests).toHaveLength(0);
});

test('simple CORS requests: allowed origin gets allow-origin and expose headers, disallowed gets none', async () => {
  const ok = await get('api.example.com', { Origin: 'https://app.example.com' });
  expect(ok.status).toBe(200);
  expect(ok.headers['access-control-allow-origin']).toBe('https://app.example.com');
  expect(ok.headers['access-control-expose-headers']).toBe('X-Request-Id');
  expect(ok.headers['vary']).toContain('Origin');

  // The backend says `Access-Control-Allow-Origin: *`; the gateway's policy wins.
  const evil = await get('api.example.com', { Origin: 'https://evil.example.com' }, 'GET', '/permissive');
  expect(evil.status).toBe(200);
  expect(evil.headers['access-control-allow-origin']).toBeUndefined();
  const allowed = await get('api.example.com', { Origin: 'https://app.example.com' }, 'GET', '/permissive');
  expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example.com');
});

describe('in a browser (headless Chromium)', () => {
  let browser: Browser | undefined;

  beforeAll(async () => {
    // Every *.example.com name is the gateway on 127.0.0.1, so pages and API share one address space.
    browser = await chromium.launch({
      executablePath: chromiumPath(),
      headless: true,
      args: ['--no-sandbox', '--host-resolver-rules=MAP *.example.com 127.0.0.1'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  /** The requests the backend got, but the browser's own favicon requests. */
  function seenByBackend(): string[] {
    return backend.requests.filter((q) => q.path !== '/favicon.ico').map((q) => `${q.method} ${q.path}`);
  }

  /** Opens a page served by the gateway on `pageHost` and fetches the API with a header that needs a preflight. */
  async function fetchFrom(pageHost: string): Promise<{ ok: boolean; status?: number; body?: string }> {
    const page = await browser!.newPage();
    try {
      await page.goto(`http://${pageHost}:${httpPort}/page`);
      return await page.evaluate(async (url: string) => {
        try {
          const r = await fetch(url, { headers: { 'X-Api-Key': 'k' } });
          return { ok: true, status: r.status, body: await r.text() };
        } catch {
          return { ok: false };
        }
      }, `http://browser-api.example.com:${httpPort}/data`);
    } finally {
      await page.close();
    }
  }

  test('a page on an allowed origin reads the cross-origin answer', async () => {
    const r = await fetchFrom('app.example.com');
    expect(r).toMatchObject({ ok: true, status: 200 });
    const seen = JSON.parse(r.body!) as EchoBody;
    expect(seen.path).toBe('/data');
    expect(seen.headers['x-api-key']).toBe('k');
    expect(seen.headers['origin']).toBe(`http://app.example.com:${httpPort}`);
    // Only the page and the real request reached the backend: the preflight was the gateway's.
    expect(seenByBackend()).toEqual(['GET /page', 'GET /data']);
  }, 30_000);

  test('the same fetch from a page on another origin fails and never reaches the backend', async () => {
    const r = await fetchFrom('evil.example.com');
    expect(r).toEqual({ ok: false });
    expect(seenByBackend()).toEqual(['GET /page']);
  }, 30_000);
});

describe('what the header parser refuses, Envoy would reject (a NACK of the whole route configuration)', () => {
  /** Golden 120's config with `edit` applied to the JSON text, validated by the real Envoy. */
  async function validateEdited(edit: (json: string) => string): Promise<boolean> {
    const c = loadCase('120-request-headers-set-add-remove');
    const resources = translateXds(translate(c.resources, c.options).ir).resources.get('default')!;
    return (await validateEnvoyConfig(JSON.parse(edit(JSON.stringify(staticBootstrap(resources)))) as object))
      .ok;
  }

  test.each([
    ['setting host', '"key":"x-env"', '"key":"host"'],
    ['setting :path', '"key":"x-env"', '"key":":path"'],
    ['removing host', '"x-debug"', '"host"'],
    ['removing :authority', '"x-debug"', '":authority"'],
    ['an unescaped % in a value', '"value":"production"', '"value":"100%"'],
  ])(
    '%s',
    async (_what, from, to) => {
      expect(await validateEdited((j) => j)).toBe(true);
      expect(await validateEdited((j) => j.replace(from, to))).toBe(false);
    },
    60_000,
  );
});
