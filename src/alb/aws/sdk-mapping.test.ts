import { expect, test } from '@jest/globals';
import type { ActionSpec, ConditionSpec } from '../model/alb-model.js';
import {
  certificateArnsOf,
  fromSdkActions,
  fromSdkConditions,
  fromSdkTags,
  toSdkActions,
  toSdkConditions,
  toSdkTags,
} from './sdk-mapping.js';

test('conditions, actions and tags survive the round trip through SDK shapes', () => {
  const conditions: ConditionSpec[] = [
    { field: 'host-header', values: ['shop.example.com'] },
    { field: 'path-pattern', values: ['/cart', '/cart/*'] },
  ];
  expect(fromSdkConditions(toSdkConditions(conditions))).toEqual(conditions);

  const arns: Record<string, string> = { 'g/tg/a': 'arn:tg/a', 'g/tg/b': 'arn:tg/b' };
  const ids = Object.fromEntries(Object.entries(arns).map(([id, arn]) => [arn, id]));
  const actions: ActionSpec[] = [
    {
      type: 'forward',
      targetGroups: [
        { targetGroup: 'g/tg/a', weight: 90 },
        { targetGroup: 'g/tg/b', weight: 10 },
      ],
    },
    { type: 'redirect', protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' },
    { type: 'fixed-response', statusCode: '404', contentType: 'text/plain', messageBody: 'no route' },
  ];
  for (const a of actions)
    expect(
      fromSdkActions(
        toSdkActions(a, (id) => arns[id]!),
        (arn) => ids[arn],
      ),
    ).toEqual(a);

  const tags = { b: '2', a: '1' };
  expect(toSdkTags(tags)).toEqual([
    { Key: 'a', Value: '1' },
    { Key: 'b', Value: '2' },
  ]);
  expect(fromSdkTags(toSdkTags(tags))).toEqual({ a: '1', b: '2' });
});

test('a forward to a target group we do not own keeps its ARN; the legacy TargetGroupArn form is read', () => {
  expect(fromSdkActions([{ Type: 'forward', TargetGroupArn: 'arn:foreign' }], () => undefined)).toEqual({
    type: 'forward',
    targetGroups: [{ targetGroup: 'arn:foreign', weight: 1 }],
  });
});

test('listener certificates: the default first, then the others sorted, without duplicates', () => {
  expect(
    certificateArnsOf({ Certificates: [{ CertificateArn: 'arn:z' }] }, [
      { CertificateArn: 'arn:y' },
      { CertificateArn: 'arn:z', IsDefault: true },
      { CertificateArn: 'arn:x' },
    ]),
  ).toEqual(['arn:z', 'arn:x', 'arn:y']);
});
