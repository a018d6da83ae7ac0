import { expect, test } from '@jest/globals';
import type { BasicAuthIR, IR, RouteIR } from '../ir/ir-types.js';
import { basicAuthUsersOf } from './basic-auth-users.js';

const BCRYPT = [{ user: 'bob', hash: '$2y$05$c4WoMPo3SXsafkva.HHa6uXQZWr7oboPiC2bT/r7q1BB8I2s0BRqC' }];
const SHA = [{ user: 'alice', hash: '{SHA}g2YDYHBhl9R/ddqtGep+ipAO4aU=' }];

function route(basicAuth: BasicAuthIR): RouteIR {
  return { name: `route/${basicAuth.secret}`, basicAuth } as unknown as RouteIR;
}

function ir(groups: Record<string, readonly RouteIR[]>): IR {
  return {
    groups: Object.entries(groups).map(([name, routes]) => ({
      name,
      http: { virtualHosts: [{ routes }] },
    })),
  } as unknown as IR;
}

test('a group finds the controller-checked Secrets of its own routes only; without a group, any', () => {
  const current = ir({
    edge: [route({ realm: 'r', secret: 'shop/admins', users: BCRYPT, checkedBy: 'controller' })],
    other: [route({ realm: 'r', secret: 'shop/reports', users: SHA })],
  });
  const users = basicAuthUsersOf(() => current);
  expect(users.lookup('edge', 'shop/admins')).toEqual({ users: BCRYPT });
  expect(users.lookup('other', 'shop/admins')).toBeUndefined();
  // A Secret the gateway checks itself is never answered by the controller.
  expect(users.lookup('other', 'shop/reports')).toBeUndefined();
  expect(users.lookup(undefined, 'shop/admins')).toEqual({ users: BCRYPT });
});

test('the lookup follows the latest IR, and answers nothing before the first', () => {
  const state: { ir?: IR } = {};
  const users = basicAuthUsersOf(() => state.ir);
  expect(users.lookup('edge', 'shop/admins')).toBeUndefined();
  expect(users.isReady()).toBe(false);
  state.ir = ir({
    edge: [route({ realm: 'r', secret: 'shop/admins', users: BCRYPT, checkedBy: 'controller' })],
  });
  expect(users.lookup('edge', 'shop/admins')).toEqual({ users: BCRYPT });
  expect(users.isReady()).toBe(true);
});
