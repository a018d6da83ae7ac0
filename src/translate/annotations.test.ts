import fs from 'node:fs';
import { GATEWAY_GROUP, REQUEST_TIMEOUT, SSL_REDIRECT } from '../ingress/ingress-annotations.js';
import { ANNOTATIONS, CONNECT_TIMEOUT, IDLE_TIMEOUT, MAX_BODY_SIZE, WEBSOCKET } from './annotations.js';

const doc = fs.readFileSync(new URL('../../docs/annotations.md', import.meta.url), 'utf8');

test.each(ANNOTATIONS.map((a) => [a.name, a] as const))(
  'docs/annotations.md documents %s with its targets and default',
  (name, a) => {
    const row = doc.split('\n').find((l) => l.startsWith(`| \`${name}\``));
    expect(row).toBeDefined();
    for (const t of a.targets) expect(row).toContain(t);
    expect(row).toContain(a.defaultText.replace(/`/g, '`'));
  },
);

test('durations parse with units and bounds', () => {
  expect(REQUEST_TIMEOUT.parse('15s')).toEqual({ ok: true, value: 15 });
  expect(REQUEST_TIMEOUT.parse('2m')).toEqual({ ok: true, value: 120 });
  expect(REQUEST_TIMEOUT.parse('250ms')).toEqual({ ok: true, value: 0.25 });
  expect(REQUEST_TIMEOUT.parse('0s')).toEqual({ ok: true, value: 0 });
  expect(REQUEST_TIMEOUT.parse('2h').ok).toBe(false);
  expect(REQUEST_TIMEOUT.parse('61m').ok).toBe(false);
  expect(CONNECT_TIMEOUT.parse('0s').ok).toBe(false);
  expect(CONNECT_TIMEOUT.parse('61s').ok).toBe(false);
});

test('gateway group must be a DNS label; ssl-redirect a boolean', () => {
  expect(GATEWAY_GROUP.parse('edge-1')).toEqual({ ok: true, value: 'edge-1' });
  expect(GATEWAY_GROUP.parse('Edge').ok).toBe(false);
  expect(GATEWAY_GROUP.parse('a'.repeat(64)).ok).toBe(false);
  expect(SSL_REDIRECT.parse('true')).toEqual({ ok: true, value: true });
  expect(SSL_REDIRECT.parse('True').ok).toBe(false);
});

test('idle-timeout takes the request-timeout syntax (0s disables it); websocket is a boolean', () => {
  expect(IDLE_TIMEOUT.parse('5m')).toEqual({ ok: true, value: 300 });
  expect(IDLE_TIMEOUT.parse('0s')).toEqual({ ok: true, value: 0 });
  expect(IDLE_TIMEOUT.parse('61m').ok).toBe(false);
  expect(IDLE_TIMEOUT.parse('forever').ok).toBe(false);
  expect(WEBSOCKET.parse('false')).toEqual({ ok: true, value: false });
  expect(WEBSOCKET.parse('no').ok).toBe(false);
});

test('max-body-size takes ingress-nginx sizes (1024-based units; 0 = unlimited) up to Envoy uint32', () => {
  expect(MAX_BODY_SIZE.parse('10m')).toEqual({ ok: true, value: 10 * 1024 * 1024 });
  expect(MAX_BODY_SIZE.parse('512k')).toEqual({ ok: true, value: 512 * 1024 });
  expect(MAX_BODY_SIZE.parse('1G')).toEqual({ ok: true, value: 1024 ** 3 });
  expect(MAX_BODY_SIZE.parse('1500')).toEqual({ ok: true, value: 1500 });
  expect(MAX_BODY_SIZE.parse('0')).toEqual({ ok: true, value: 0 });
  expect(MAX_BODY_SIZE.parse('4g').ok).toBe(false);
  expect(MAX_BODY_SIZE.parse('10mb').ok).toBe(false);
  expect(MAX_BODY_SIZE.parse('-1').ok).toBe(false);
  expect(MAX_BODY_SIZE.parse('1.5m').ok).toBe(false);
});
