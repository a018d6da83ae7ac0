#!/usr/bin/env node
// Stands in for the conformance suite's coredns Pod (registry.k8s.io/coredns/coredns), which only the
// UDPRoute tests talk to: it binds UDP port 53 in the Pod's network namespace and answers every query
// with an empty NOERROR response. The suite's setup only needs the Pod Ready; the UDPRoute tests are not
// run (docs/gateway-api-conformance.md) and would fail against it, as they should.
import dgram from 'node:dgram';

const server = dgram.createSocket('udp4');
server.on('message', (msg, peer) => {
  if (msg.length < 12) return;
  const reply = Buffer.from(msg.subarray(0, 12));
  reply[2] = 0x80 | (msg[2] & 0x01); // QR = response, RD copied
  reply[3] = 0x00; // RCODE NOERROR
  reply.writeUInt16BE(0, 4); // no question, no answers
  reply.writeUInt16BE(0, 6);
  reply.writeUInt16BE(0, 8);
  reply.writeUInt16BE(0, 10);
  server.send(reply, peer.port, peer.address);
});
// A socket error (e.g. an ICMP unreachable for a reply) must not end the process: an unhandled 'error'
// event would, and the Pod would leave Ready while the kubelet stand-in restarts it.
server.on('error', (err) => console.error(`coredns stand-in: ${err.message}`));
server.bind(53);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
