import { groupAddresses, peerHost } from './group-addresses.js';

test.each([
  ['127.0.0.1:5678', '127.0.0.1'],
  ['ipv4:10.0.0.7:443', '10.0.0.7'],
  ['[::1]:5678', '::1'],
  ['ipv6:[fd00::1]:80', 'fd00::1'],
  ['unix:/tmp/sock', undefined],
])('peerHost(%s) = %s', (peer, host) => {
  expect(peerHost(peer)).toBe(host);
});

test('configured addresses win; otherwise the connected gateways of the group, deduplicated and sorted', () => {
  const got = groupAddresses({ edge: ['lb.example.com'] }, [
    { group: 'edge', peer: '10.0.0.1:1' },
    { group: 'internal', peer: '10.0.0.9:1' },
    { group: 'internal', peer: '10.0.0.2:1' },
    { group: 'internal', peer: '10.0.0.9:2' },
  ]);
  expect([...got]).toEqual([
    ['internal', ['10.0.0.2', '10.0.0.9']],
    ['edge', ['lb.example.com']],
  ]);
});

test('an announced address wins over the peer address; draining gateways are left out unless all drain', () => {
  const got = groupAddresses({}, [
    { group: 'edge', peer: '10.0.0.1:1', address: '203.0.113.10' },
    { group: 'edge', peer: '10.0.0.2:1', draining: true },
    { group: 'internal', peer: '10.0.0.3:1', draining: true },
  ]);
  expect([...got]).toEqual([
    ['edge', ['203.0.113.10']],
    ['internal', ['10.0.0.3']],
  ]);
});
