import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ALB_ANNOTATIONS, renderAlbAnnotationTable } from './alb-annotations.js';
import { SSL_REDIRECT, TAGS } from './alb-group-annotations.js';
import { ACTION, CERTIFICATE_ARN, LISTEN_PORTS } from './alb-ingress-annotations.js';
import { SUCCESS_CODES, TARGET_GROUP_ATTRIBUTES } from './alb-target-group-annotations.js';

const docPath = fileURLToPath(new URL('../../../docs/annotations.md', import.meta.url));
const BEGIN = '<!-- alb-annotations:begin (rendered from src/alb/build/alb-annotations.ts) -->';
const END = '<!-- alb-annotations:end -->';

test('the ALB section of docs/annotations.md is the table rendered from the catalog (UPDATE_GOLDEN=1 rewrites it)', () => {
  let doc = fs.readFileSync(docPath, 'utf8');
  const table = renderAlbAnnotationTable();
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  expect(start).toBeGreaterThan(0);
  expect(end).toBeGreaterThan(start);
  if (process.env['UPDATE_GOLDEN'] === '1') {
    doc = `${doc.slice(0, start + BEGIN.length)}\n${table}\n${doc.slice(end)}`;
    fs.writeFileSync(docPath, doc);
  }
  expect(doc.slice(doc.indexOf(BEGIN) + BEGIN.length, doc.indexOf(END)).trim()).toBe(table);
  for (const a of ALB_ANNOTATIONS) expect(doc).toContain(`| \`${a.name}\` |`);
});

test('listen-ports: JSON like the AWS Load Balancer Controller, sorted, validated', () => {
  expect(LISTEN_PORTS.parse('[{"HTTPS":443},{"HTTP":80}]')).toEqual({
    ok: true,
    value: [
      { protocol: 'HTTP', port: 80 },
      { protocol: 'HTTPS', port: 443 },
    ],
  });
  expect(LISTEN_PORTS.parse('[{"HTTP":"80"}]').ok).toBe(false);
  expect(LISTEN_PORTS.parse('[{"TCP":80}]').ok).toBe(false);
  expect(LISTEN_PORTS.parse('[{"HTTP":80},{"HTTPS":80}]').ok).toBe(false);
  expect(LISTEN_PORTS.parse('80').ok).toBe(false);
});

test('actions: weighted forwards of 1 to 5 Services, weights 0 to 999, not all zero', () => {
  const ok = ACTION.parse(
    '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"a","servicePort":"80","weight":9},{"serviceName":"b","servicePort":"http","weight":1}]}}',
  );
  expect(ok).toEqual({
    ok: true,
    value: {
      type: 'forward',
      targetGroups: [
        { serviceName: 'a', servicePort: 80, weight: 9 },
        { serviceName: 'b', servicePort: 'http', weight: 1 },
      ],
    },
  });
  expect(ACTION.parse('{"type":"redirect"}').ok).toBe(false);
  expect(
    ACTION.parse(
      '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"a","servicePort":80,"weight":0}]}}',
    ).ok,
  ).toBe(false);
  expect(
    ACTION.parse(
      '{"type":"forward","forwardConfig":{"targetGroups":[{"serviceName":"a","servicePort":80,"weight":1000}]}}',
    ).ok,
  ).toBe(false);
  expect(ACTION.parse('not json').ok).toBe(false);
});

test('other values: ssl-redirect, success codes, attributes, tags, certificate ARNs', () => {
  expect(SSL_REDIRECT.parse('true')).toEqual({ ok: true, value: { enabled: true } });
  expect(SSL_REDIRECT.parse('443')).toEqual({ ok: true, value: { enabled: true, port: 443 } });
  expect(SSL_REDIRECT.parse('yes').ok).toBe(false);
  expect(SUCCESS_CODES.parse('200-399').ok).toBe(true);
  expect(SUCCESS_CODES.parse('200,204').ok).toBe(true);
  expect(SUCCESS_CODES.parse('399-200').ok).toBe(false);
  expect(SUCCESS_CODES.parse('500').ok).toBe(false);
  expect(
    TARGET_GROUP_ATTRIBUTES.parse('deregistration_delay.timeout_seconds=30,slow_start.duration_seconds=0').ok,
  ).toBe(true);
  expect(TARGET_GROUP_ATTRIBUTES.parse('slow_start.duration_seconds=10').ok).toBe(false);
  expect(TARGET_GROUP_ATTRIBUTES.parse('deregistration_delay.timeout_seconds=4000').ok).toBe(false);
  expect(TAGS.parse('team=shop,env=prod')).toEqual({ ok: true, value: { env: 'prod', team: 'shop' } });
  expect(TAGS.parse('causeway.dev/cluster=x').ok).toBe(false);
  expect(TAGS.parse('team').ok).toBe(false);
  expect(
    CERTIFICATE_ARN.parse(
      'arn:aws:acm:us-east-1:123456789012:certificate/abc, arn:aws:acm:us-east-1:123456789012:certificate/def',
    ).ok,
  ).toBe(true);
  expect(CERTIFICATE_ARN.parse('abc').ok).toBe(false);
});
