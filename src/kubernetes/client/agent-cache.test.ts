import http from 'node:http';
import https from 'node:https';
import { expect, test } from '@jest/globals';
import { AgentCache, tlsOptionsKey } from './agent-cache.js';

class ProxyAgent extends https.Agent {}

test('one kept-alive agent while the TLS options stay the same; a new one when they change', () => {
  const cache = new AgentCache(10);
  const first = cache.reuse(new https.Agent({ ca: 'CA-1', rejectUnauthorized: true }));
  expect(first).toBeInstanceOf(https.Agent);
  expect((first as https.Agent).options.keepAlive).toBe(true);
  expect((first as https.Agent).options.ca).toBe('CA-1');
  expect(cache.reuse(new https.Agent({ ca: 'CA-1', rejectUnauthorized: true }))).toBe(first);
  const rotated = cache.reuse(new https.Agent({ ca: 'CA-1', cert: Buffer.from('new cert') }));
  expect(rotated).not.toBe(first);
  expect(cache.reuse(new https.Agent({ ca: 'CA-1', cert: Buffer.from('new cert') }))).toBe(rotated);
  cache.close();
});

test('plain HTTP and proxy agents are used as given', () => {
  const cache = new AgentCache();
  const plain = new http.Agent();
  const proxy = new ProxyAgent({ ca: 'CA-1' });
  expect(cache.reuse(plain)).toBe(plain);
  expect(cache.reuse(proxy)).toBe(proxy);
  expect(cache.reuse(undefined)).toBeUndefined();
});

test('the key depends on every trust and identity option, and holds no secret', () => {
  const base = { ca: 'CA', cert: 'C', key: 'K', servername: 'api' };
  const keys = [
    base,
    { ...base, ca: 'CA2' },
    { ...base, key: 'K2' },
    { ...base, servername: 'other' },
    { ...base, rejectUnauthorized: false },
    { ...base, ca: [Buffer.from('CA')] },
  ].map(tlsOptionsKey);
  expect(new Set(keys).size).toBe(keys.length);
  expect(tlsOptionsKey({ key: 'SECRET' })).not.toContain('SECRET');
});
