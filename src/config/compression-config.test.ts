/** The `compression:` setting of the config file: read at the top level and per group, strictly validated. */
import { CausewayError } from '../errors.js';
import { parseControllerConfig } from './controller-config.js';
import { translateOptionsFrom } from '../controller/translate-options-from-config.js';
import { groupSettings } from '../translate/translate-options.js';

test('top-level and group compression are read with defaults (256 bytes, Envoy media types)', () => {
  const text = [
    'compression: { encodings: [gzip, br, gzip], minBytes: 1024, contentTypes: [text/html, application/json] }',
    'groups:',
    '  edge: { compression: { encodings: [zstd] } }',
    '  quiet: { compression: {} }',
  ].join('\n');
  const c = parseControllerConfig('c.yaml', text);
  expect(c.compression).toEqual({
    encodings: ['br', 'gzip'],
    minBytes: 1024,
    contentTypes: ['application/json', 'text/html'],
  });
  expect(c.groups['edge']).toEqual({ compression: { encodings: ['zstd'], minBytes: 256 } });
  expect(c.groups['quiet']).toEqual({ compression: { encodings: [], minBytes: 256 } });
  // A group's own setting replaces the top-level one; other groups get the top-level one.
  const options = translateOptionsFrom(c, {});
  expect(groupSettings(options, 'edge').compression).toEqual({ encodings: ['zstd'], minBytes: 256 });
  expect(groupSettings(options, 'other').compression?.encodings).toEqual(['br', 'gzip']);
});

test.each([
  ['compression: gzip', /compression must be a mapping/],
  ['compression: { encoding: [gzip] }', /unknown key compression.encoding/],
  ['compression: { encodings: gzip }', /compression.encodings must be a list/],
  ['compression: { encodings: [deflate] }', /compression.encodings must be a list of gzip, br, zstd/],
  ['compression: { encodings: [off] }', /compression.encodings must be a list of gzip, br, zstd/],
  ['compression: { minBytes: -1 }', /compression.minBytes must be a whole number/],
  ['compression: { minBytes: 1.5 }', /compression.minBytes must be a whole number/],
  ['compression: { minBytes: "1k" }', /compression.minBytes must be a whole number/],
  ['compression: { contentTypes: [] }', /compression.contentTypes must be a list of 1 to 64/],
  ['compression: { contentTypes: [html] }', /"html" is not a media type/],
  ['compression: { contentTypes: ["text/html; charset=utf-8"] }', /is not a media type/],
  ['compression: { contentTypes: [Text/HTML] }', /is not a media type/],
  [
    'groups:\n  edge: { compression: { minBytes: x } }',
    /groups.edge.compression.minBytes must be a whole number/,
  ],
])('%s is rejected with a clear message', (text, message) => {
  expect(() => parseControllerConfig('c.yaml', text)).toThrow(CausewayError);
  expect(() => parseControllerConfig('c.yaml', text)).toThrow(message);
});
