import { Writable } from 'node:stream';
import { CausewayError } from '../errors.js';
import { createLogger, objectFields } from './logger.js';

function memorySink(): { stream: Writable; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('writes one JSON object per line with a level label, ISO time, name and the given fields', () => {
    const sink = memorySink();
    const log = createLogger({ name: 'controller', destination: sink.stream });
    log.info({ group: 'edge' }, 'pushed');
    const [line, ...rest] = sink.lines();
    expect(rest).toEqual([]);
    expect(line).toMatchObject({ level: 'info', name: 'controller', group: 'edge', msg: 'pushed' });
    expect(new Date(line?.['time'] as string).toISOString()).toBe(line?.['time']);
  });

  it('filters by level (info by default) and serializes errors under err', () => {
    const sink = memorySink();
    const log = createLogger({ destination: sink.stream });
    log.debug('hidden');
    log.error({ err: new Error('boom') }, 'failed');
    const lines = sink.lines();
    expect(lines.map((l) => l['msg'])).toEqual(['failed']);
    expect(lines[0]?.['level']).toBe('error');
    expect(lines[0]?.['err']).toMatchObject({ type: 'Error', message: 'boom' });
    expect(lines[0]).not.toHaveProperty('name');

    const debug = memorySink();
    createLogger({ level: 'debug', destination: debug.stream }).debug('shown');
    expect(debug.lines().map((l) => l['msg'])).toEqual(['shown']);
    const silent = memorySink();
    createLogger({ level: 'silent', destination: silent.stream }).fatal('nothing');
    expect(silent.lines()).toEqual([]);
  });

  it('rejects an unknown level with a usage error listing the valid ones', () => {
    expect(() => createLogger({ level: 'verbose' })).toThrow(CausewayError);
    expect(() => createLogger({ level: 'verbose' })).toThrow(
      'CW_E_USAGE: unknown log level "verbose"; expected one of fatal, error, warn, info, debug, trace, silent',
    );
  });

  it('accepts stdout and stderr as destinations', () => {
    expect(createLogger({ destination: 'stderr', level: 'silent' }).level).toBe('silent');
    expect(createLogger({ destination: 'stdout' }).level).toBe('info');
  });
});

describe('objectFields', () => {
  it('names a namespaced object as namespace/name with its kind', () => {
    expect(objectFields({ kind: 'Ingress', namespace: 'shop', name: 'web' })).toEqual({
      object: 'shop/web',
      kind: 'Ingress',
    });
  });

  it('names a cluster-scoped object by its name, and keeps the source cluster', () => {
    expect(objectFields({ kind: 'IngressClass', name: 'causeway' })).toEqual({
      object: 'causeway',
      kind: 'IngressClass',
    });
    expect(objectFields({ kind: 'Service', namespace: 'shop', name: 'web', cluster: 'eu-1' })).toEqual({
      object: 'shop/web',
      kind: 'Service',
      cluster: 'eu-1',
    });
  });

  it('reads a Kubernetes object through its metadata', () => {
    expect(objectFields({ kind: 'Secret', metadata: { namespace: 'shop', name: 'web-tls' } })).toEqual({
      object: 'shop/web-tls',
      kind: 'Secret',
    });
  });

  it('merges into a log line', () => {
    const sink = memorySink();
    createLogger({ destination: sink.stream }).warn(
      objectFields({ kind: 'Ingress', namespace: 'shop', name: 'web' }),
      'route conflict',
    );
    expect(sink.lines()[0]).toMatchObject({ object: 'shop/web', kind: 'Ingress', msg: 'route conflict' });
  });
});

describe('private keys never reach a log line', () => {
  const KEY = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB0secret0material\n-----END EC PRIVATE KEY-----\n';

  it('redacts a PEM private key in any field or message, and the line stays JSON', () => {
    const sink = memorySink();
    const log = createLogger({ destination: sink.stream });
    log.warn(
      { secret: { data: `-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n${KEY}` } },
      `got ${KEY}`,
    );
    const [line] = sink.lines();
    const text = JSON.stringify(line);
    expect(text).not.toContain('secret0material');
    expect(text).toContain('[redacted private key]');
    expect(text).toContain('BEGIN CERTIFICATE');
  });

  it('an unterminated key is redacted up to the end of its JSON string only', () => {
    const sink = memorySink();
    createLogger({ destination: sink.stream }).info(
      { a: '-----BEGIN PRIVATE KEY-----\nMIIEsecret', b: 'kept' },
      'm',
    );
    const [line] = sink.lines();
    expect(line!['a']).toBe('[redacted private key]');
    expect(line!['b']).toBe('kept');
  });
});
