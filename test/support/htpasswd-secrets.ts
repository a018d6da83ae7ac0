/**
 * htpasswd Secrets for basic auth tests: `{SHA}` entries (what the gateway verifies) and Opaque Secrets
 * holding an `auth` file or an auth-map, as `kubectl create secret generic` makes them.
 */
import { createHash } from 'node:crypto';

/** `user:{SHA}base64(sha1(password))`, as `htpasswd -s` writes it. */
export function shaEntry(user: string, password: string): string {
  return `${user}:{SHA}${createHash('sha1').update(password).digest('base64')}`;
}

/** `Authorization: Basic ...` for `user` and `password`. */
export function basicAuthorization(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** An Opaque Secret in namespace `default` whose `auth` key holds `lines` (an htpasswd file). */
export function htpasswdSecret(name: string, lines: readonly string[]): object {
  const auth = Buffer.from(`${lines.join('\n')}\n`).toString('base64');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    metadata: { name, namespace: 'default' },
    data: { auth },
  };
}
