/** The `accessLog:` and `metricsPort` settings of the config file: read at the top level and per group, strictly. */
import { CausewayError } from '../errors.js';
import { parseControllerConfig } from './controller-config.js';
import { translateOptionsFrom } from '../controller/translate-options-from-config.js';
import { groupSettings } from '../translate/translate-options.js';

test('nothing set: no accessLog and no metricsPort in the settings (the translation uses the defaults)', () => {
  const c = parseControllerConfig('c.yaml', 'httpPort: 80\n');
  expect(c.accessLog).toBeUndefined();
  expect(groupSettings(translateOptionsFrom(c, {}), 'default').metricsPort).toBeUndefined();
});

test('top-level and group accessLog are read with defaults; a group replaces the top level as a whole', () => {
  const text = [
    'accessLog: { format: text, destination: /var/log/causeway//access.log, sampling: 12.5 }',
    'metricsPort: 19001',
    'groups:',
    "  edge: { metricsPort: 9102, accessLog: { fields: { code: '%RESPONSE_CODE%', ua: '%REQ(user-agent):64%' } } }",
    '  quiet: { accessLog: { enabled: false } }',
  ].join('\n');
  const c = parseControllerConfig('c.yaml', text);
  expect(c.accessLog).toEqual({
    enabled: true,
    format: 'text',
    destination: '/var/log/causeway/access.log',
    samplePercent: 12.5,
  });
  expect(c.metricsPort).toBe(19001);
  expect(c.groups['edge']).toEqual({
    metricsPort: 9102,
    accessLog: {
      enabled: true,
      format: 'json',
      // Sorted by name, header names in Envoy's upper case.
      fields: { code: '%RESPONSE_CODE%', ua: '%REQ(USER-AGENT):64%' },
      destination: 'stdout',
      samplePercent: 100,
    },
  });
  const options = translateOptionsFrom(c, {});
  expect(groupSettings(options, 'quiet').accessLog?.enabled).toBe(false);
  expect(groupSettings(options, 'quiet').metricsPort).toBe(19001);
  expect(groupSettings(options, 'other').accessLog?.format).toBe('text');
  expect(groupSettings(options, 'edge').metricsPort).toBe(9102);
});

test('a text line keeps its literal text and canonicalizes its operators', () => {
  const c = parseControllerConfig(
    'c.yaml',
    `accessLog: { format: text, textFormat: '[%START_TIME%] "%REQ(:method)% %REQ(:PATH)%" %RESPONSE_CODE%' }`,
  );
  expect(c.accessLog?.textFormat).toBe('[%START_TIME%] "%REQ(:METHOD)% %REQ(:PATH)%" %RESPONSE_CODE%');
});

test.each([
  ['accessLog: stdout', /accessLog must be a mapping/],
  ['accessLog: { enable: false }', /unknown key accessLog.enable/],
  ['accessLog: { enabled: "no" }', /accessLog.enabled must be true or false/],
  ['accessLog: { format: yaml }', /accessLog.format must be json or text/],
  ['accessLog: { destination: syslog }', /must be stdout, stderr or an absolute file path/],
  ['accessLog: { destination: /dev/stdout }', /write stdout or stderr instead of \/dev\/stdout/],
  ['accessLog: { destination: logs/access.log }', /must be stdout, stderr or an absolute file path/],
  ['accessLog: { destination: "/var/log/a b.log" }', /without spaces/],
  ['accessLog: { destination: /var/log/../../etc/passwd }', /without spaces, control characters or '..'/],
  ['accessLog: { destination: /var/log/ }', /without spaces/],
  ['accessLog: { sampling: 101 }', /sampling must be a percentage from 0 to 100/],
  ['accessLog: { sampling: -1 }', /sampling must be a percentage from 0 to 100/],
  ['accessLog: { sampling: "50%" }', /sampling must be a percentage from 0 to 100/],
  ['accessLog: { sampling: 0.001 }', /at most two decimals/],
  ["accessLog: { format: json, textFormat: '%DURATION%' }", /textFormat needs format: text/],
  ["accessLog: { format: text, fields: { d: '%DURATION%' } }", /fields needs format: json/],
  ['accessLog: { fields: {} }', /must map 1 to 64 field names/],
  ['accessLog: { fields: [a] }', /fields must be a mapping/],
  ["accessLog: { fields: { '1x': '%DURATION%' } }", /field name "1x" must match/],
  ['accessLog: { fields: { d: 5 } }', /field d must be one operator/],
  ["accessLog: { fields: { d: 'took %DURATION%' } }", /is not a command operator/],
  [
    "accessLog: { fields: { auth: '%REQ(AUTHORIZATION)%' } }",
    /%REQ\(AUTHORIZATION\)% is not an allowed operator/,
  ],
  ["accessLog: { fields: { c: '%REQ(Cookie)%' } }", /is not an allowed operator/],
  ["accessLog: { fields: { s: '%RESP(SET-COOKIE)%' } }", /is not an allowed operator/],
  ["accessLog: { fields: { cert: '%DOWNSTREAM_PEER_CERT%' } }", /%DOWNSTREAM_PEER_CERT% is not an allowed/],
  ["accessLog: { fields: { m: '%DYNAMIC_METADATA(causeway)%' } }", /is not an allowed operator/],
  ["accessLog: { fields: { d: '%DURATION(x)%' } }", /is not an allowed operator/],
  ["accessLog: { format: text, textFormat: '' }", /textFormat must be 1 to 1024 characters/],
  ["accessLog: { format: text, textFormat: '100% %DURATION%' }", /is not a command operator|lone %/],
  ["accessLog: { format: text, textFormat: '%DURATION% %' }", /lone %/],
  ['accessLog: { format: text, textFormat: "a\\nb" }', /printable ASCII on one line/],
  ["accessLog: { format: text, textFormat: '%REQ(X-API-KEY)%' }", /is not an allowed operator/],
  ['metricsPort: 0', /metricsPort must be a port number/],
  ['groups: { edge: { metricsPort: "9102" } }', /groups.edge.metricsPort must be a port number/],
  ['groups: { edge: { accessLog: { format: xml } } }', /groups.edge.accessLog.format must be json or text/],
])('%s is refused', (text, message) => {
  expect(() => parseControllerConfig('c.yaml', text)).toThrow(CausewayError);
  expect(() => parseControllerConfig('c.yaml', text)).toThrow(message);
});

test('limits: 64 fields pass, 65 do not; a 1024-character line passes, 1025 does not', () => {
  const fields = (n: number): string =>
    `accessLog: { fields: { ${Array.from({ length: n }, (_, i) => `f${i}: '%DURATION%'`).join(', ')} } }`;
  expect(Object.keys(parseControllerConfig('c.yaml', fields(64)).accessLog?.fields ?? {})).toHaveLength(64);
  expect(() => parseControllerConfig('c.yaml', fields(65))).toThrow(/1 to 64/);
  const line = (n: number): string =>
    `accessLog: { format: text, textFormat: '${'x'.repeat(n - 10)}%DURATION%' }`;
  expect(parseControllerConfig('c.yaml', line(1024)).accessLog?.textFormat).toHaveLength(1024);
  expect(() => parseControllerConfig('c.yaml', line(1025))).toThrow(/1 to 1024/);
});
