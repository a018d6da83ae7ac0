/**
 * The node agent's volumes without mount namespaces: key-to-path projections, a container's mounts as
 * folders (nested mounts first), and env / args paths under a mount rewritten into its folder.
 */
import { describe, expect, test } from '@jest/globals';
import { containerMounts, projectedFiles, rewriteMountedPath } from './volumes.js';

const data = { 'tls.crt': Buffer.from('C'), 'tls.key': Buffer.from('K') };

describe('volumes', () => {
  test('projectedFiles: every key, or the listed items; missing keys and escaping paths are errors', () => {
    expect(projectedFiles(data, undefined).length).toBe(2);
    expect(projectedFiles(data, [{ key: 'tls.crt', path: 'crt' }])).toEqual([['crt', Buffer.from('C')]]);
    expect(projectedFiles(data, [{ key: 'nope', path: 'x' }])).toBe('key nope is missing');
    expect(projectedFiles(data, [{ key: 'tls.crt', path: '../x' }])).toBe('path ../x is not allowed');
  });

  test('containerMounts and rewriteMountedPath', () => {
    const dirs = new Map([
      ['secret-volume', '/tmp/p/0-secret-volume'],
      ['inner', '/tmp/p/1-inner'],
    ]);
    const mounts = containerMounts(
      {
        name: 'c',
        volumeMounts: [
          { name: 'secret-volume', mountPath: '/etc/secret-volume/' },
          { name: 'inner', mountPath: '/etc/secret-volume/inner' },
        ],
      },
      dirs,
      new Map(),
    );
    expect(typeof mounts).not.toBe('string');
    if (typeof mounts === 'string') return;
    expect(rewriteMountedPath('/etc/secret-volume/crt', mounts)).toBe('/tmp/p/0-secret-volume/crt');
    expect(rewriteMountedPath('/etc/secret-volume/inner/a', mounts)).toBe('/tmp/p/1-inner/a');
    expect(rewriteMountedPath('/etc/secret-volume', mounts)).toBe('/tmp/p/0-secret-volume');
    expect(rewriteMountedPath('/etc/secret-volumes/x', mounts)).toBe('/etc/secret-volumes/x');
    expect(rewriteMountedPath('plain', mounts)).toBe('plain');
    expect(
      containerMounts(
        { name: 'c', volumeMounts: [{ name: 'v', mountPath: '/x' }] },
        dirs,
        new Map([['v', 'bad']]),
      ),
    ).toBe('bad');
    expect(
      containerMounts({ name: 'c', volumeMounts: [{ name: 'v', mountPath: '/x' }] }, dirs, new Map()),
    ).toBe('volumeMount v: no such volume');
  });
});
