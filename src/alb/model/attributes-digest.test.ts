import { expect, test } from '@jest/globals';
import { digestVouchesFor, TAG_ATTRIBUTES_DIGEST, withAttributesDigest } from './attributes-digest.js';

/** The digest of `attributes`, as the tag `withAttributesDigest` adds carries it. */
function attributesDigest(attributes: Readonly<Record<string, string>>): string {
  return withAttributesDigest({}, attributes)[TAG_ATTRIBUTES_DIGEST]!;
}

const attrs = { 'deregistration_delay.timeout_seconds': '30', 'slow_start.duration_seconds': '0' };

test('the digest is 16 lowercase hex digits and does not depend on key order', () => {
  const d = attributesDigest(attrs);
  expect(d).toMatch(/^[0-9a-f]{16}$/);
  expect(
    attributesDigest({ 'slow_start.duration_seconds': '0', 'deregistration_delay.timeout_seconds': '30' }),
  ).toBe(d);
});

test('the digest is a pinned value (it is stored in AWS tags: a new canonical form would re-describe everything once)', () => {
  // sha256 of [["deregistration_delay.timeout_seconds","30"],["slow_start.duration_seconds","0"]], and of [].
  expect(attributesDigest(attrs)).toBe('6e0bd7469d399304');
  expect(attributesDigest({})).toBe('4f53cda18c2baa0c');
});

test('any value, key added or key removed changes the digest; key/value boundaries cannot be shifted', () => {
  const d = attributesDigest(attrs);
  expect(attributesDigest({ ...attrs, 'slow_start.duration_seconds': '30' })).not.toBe(d);
  expect(attributesDigest({ ...attrs, 'stickiness.enabled': 'false' })).not.toBe(d);
  expect(attributesDigest({ 'deregistration_delay.timeout_seconds': '30' })).not.toBe(d);
  expect(attributesDigest({ 'a.b': 'c' })).not.toBe(attributesDigest({ a: 'b.c' }));
  expect(attributesDigest({ a: '' })).not.toBe(attributesDigest({}));
});

test('withAttributesDigest adds the tag and keeps the others; digestVouchesFor checks it', () => {
  const tags = withAttributesDigest({ team: 'shop' }, attrs);
  expect(tags).toEqual({ team: 'shop', [TAG_ATTRIBUTES_DIGEST]: attributesDigest(attrs) });
  expect(digestVouchesFor(tags, attrs)).toBe(true);
  expect(digestVouchesFor(tags, { ...attrs, 'slow_start.duration_seconds': '60' })).toBe(false);
  expect(digestVouchesFor({ team: 'shop' }, attrs)).toBe(false);
  expect(digestVouchesFor({ [TAG_ATTRIBUTES_DIGEST]: '' }, {})).toBe(false);
});
