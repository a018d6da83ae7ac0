/**
 * The node agent's container logs: lines kept with the time they were read, bounded by bytes, and read
 * back with the kubelet's query semantics (sinceTime / sinceSeconds, tailLines, timestamps, limitBytes,
 * stream); and the kubelet API's responses for them (200 text, 404 unknown container, 400 bad query),
 * over real HTTPS too.
 */
import { describe, expect, test } from '@jest/globals';
import https from 'node:https';
import { ContainerLog, parseLogQuery, readLog, rfc3339Nano } from './container-logs.js';
import { kubeletResponse, startKubeletServer } from './kubelet-server.js';

const T0 = new Date('2026-12-08T06:00:00.000Z');
const at = (s: number): Date => new Date(T0.getTime() + s * 1000);

function sample(): ContainerLog {
  const log = new ContainerLog();
  log.write('stdout', 'one\ntw', at(0));
  log.write('stderr', 'err one\n', at(1));
  log.write('stdout', 'o\nthree\n', at(2.5));
  log.write('stdout', 'unfinished', at(3));
  log.flush(at(4));
  return log;
}

const read = (log: ContainerLog, query: string, now = at(10)): string =>
  readLog(log.all(), parseLogQuery(new URLSearchParams(query), now));

describe('container log', () => {
  test('keeps whole lines of both streams in order; a line finished later is timed when finished', () => {
    expect(read(sample(), '')).toBe('one\nerr one\ntwo\nthree\nunfinished');
    expect(read(sample(), 'stream=Stdout')).toBe('one\ntwo\nthree\nunfinished');
    expect(read(sample(), 'stream=Stderr')).toBe('err one\n');
  });

  test('sinceTime (RFC 3339, seconds) and sinceSeconds keep lines at or after the time', () => {
    expect(read(sample(), `sinceTime=${encodeURIComponent('2026-12-08T06:00:02Z')}`)).toBe(
      'two\nthree\nunfinished',
    );
    expect(read(sample(), 'sinceTime=2026-12-08T06:00:01Z')).toBe('err one\ntwo\nthree\nunfinished');
    expect(read(sample(), 'sinceSeconds=7', at(10))).toBe('unfinished');
  });

  test('tailLines, timestamps and limitBytes', () => {
    expect(read(sample(), 'tailLines=2')).toBe('three\nunfinished');
    expect(read(sample(), 'tailLines=0')).toBe('');
    expect(read(sample(), 'tailLines=2&timestamps=true')).toBe(
      '2026-12-08T06:00:02.5Z three\n2026-12-08T06:00:04Z unfinished',
    );
    expect(read(sample(), 'limitBytes=6')).toBe('one\ner');
  });

  test('bad values are errors that name the parameter', () => {
    expect(() => parseLogQuery(new URLSearchParams('sinceTime=yesterday'))).toThrow(/sinceTime/);
    expect(() => parseLogQuery(new URLSearchParams('tailLines=-1'))).toThrow(/tailLines/);
    expect(() => parseLogQuery(new URLSearchParams('stream=both'))).toThrow(/stream/);
  });

  test('keeps only the newest bytes', () => {
    const log = new ContainerLog(10);
    log.write('stdout', 'aaaa\nbbbb\ncccc\n', T0);
    expect(read(log, '')).toBe('bbbb\ncccc\n');
    expect(log.lastLines(1)).toBe('cccc');
  });

  test('RFC 3339 with the fraction trimmed as Go does', () => {
    expect(rfc3339Nano(new Date('2026-01-02T03:04:05.120Z'))).toBe('2026-01-02T03:04:05.12Z');
    expect(rfc3339Nano(new Date('2026-01-02T03:04:05.000Z'))).toBe('2026-01-02T03:04:05Z');
    expect(rfc3339Nano(new Date('2026-01-02T03:04:10.000Z'))).toBe('2026-01-02T03:04:10Z');
  });
});

describe('kubelet API', () => {
  const lookup = (ns: string, pod: string, c: string) =>
    ns === 'default' && pod === 'echo-1' && c === 'echo' ? sample().all() : undefined;

  test('GET /containerLogs/{ns}/{pod}/{container} returns the log; unknown ones and paths are 404', () => {
    expect(kubeletResponse('GET', '/containerLogs/default/echo-1/echo?tailLines=1', lookup)).toEqual({
      status: 200,
      body: 'unfinished',
    });
    expect(kubeletResponse('GET', '/containerLogs/default/echo-1/other', lookup).status).toBe(404);
    expect(kubeletResponse('GET', '/containerLogs/default/echo-2/echo', lookup).status).toBe(404);
    expect(kubeletResponse('GET', '/exec/default/echo-1/echo', lookup).status).toBe(404);
    expect(kubeletResponse('POST', '/containerLogs/default/echo-1/echo', lookup).status).toBe(405);
    const bad = kubeletResponse('GET', '/containerLogs/default/echo-1/echo?sinceSeconds=x', lookup);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatch(/sinceSeconds/);
  });

  test('served over HTTPS on the given address', async () => {
    const server = await startKubeletServer('127.0.0.1', lookup);
    try {
      const get = (p: string) =>
        new Promise<{ status: number; body: string; type: string }>((resolve, reject) => {
          const req = https.get(
            { host: '127.0.0.1', port: server.port, path: p, rejectUnauthorized: false },
            (res) => {
              let body = '';
              res.setEncoding('utf8').on('data', (d: string) => (body += d));
              res.on('end', () =>
                resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) }),
              );
            },
          );
          req.on('error', reject);
        });
      const ok = await get('/containerLogs/default/echo-1/echo?stream=Stderr');
      expect(ok).toEqual({ status: 200, body: 'err one\n', type: 'text/plain; charset=utf-8' });
      expect((await get('/containerLogs/default/nope/echo')).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
