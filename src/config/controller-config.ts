/**
 * The controller config file (YAML). Flags override it. Validation is strict: an unknown key or a bad
 * value is an error naming the key, so a typo never silently changes behaviour.
 *
 *   httpPort: 8080            # gateways' HTTP listener port, every group (default 8080)
 *   httpsPort: 8443           # gateways' HTTPS listener port, every group (default 8443)
 *   groups:                   # gateway groups served even without an Ingress, with optional ports
 *     edge: { httpPort: 80, httpsPort: 443 }
 */
import fs from 'node:fs';
import YAML from 'yaml';
import { CausewayError } from '../errors.js';
import type { GroupSettings } from '../translate/translate-options.js';

export interface ControllerConfig {
  readonly httpPort?: number;
  readonly httpsPort?: number;
  readonly groups: Readonly<Record<string, Partial<GroupSettings>>>;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function fail(file: string, message: string): never {
  throw new CausewayError('CW_E_CONFIG_INVALID', `${file}: ${message}`);
}

function port(file: string, at: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535)
    fail(file, `${at} must be a port number (1-65535), got ${JSON.stringify(v)}`);
  return v;
}

function checkKeys(file: string, at: string, o: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(o))
    if (!allowed.includes(k)) fail(file, `unknown key ${at}${k} (allowed: ${allowed.join(', ')})`);
}

export function parseControllerConfig(file: string, text: string): ControllerConfig {
  let raw: unknown;
  try {
    raw = YAML.parse(text);
  } catch (e) {
    fail(file, `not valid YAML: ${(e as Error).message}`);
  }
  if (raw === null || raw === undefined) return { groups: {} };
  if (typeof raw !== 'object' || Array.isArray(raw)) fail(file, 'must be a YAML mapping');
  const o = raw as Record<string, unknown>;
  checkKeys(file, '', o, ['httpPort', 'httpsPort', 'groups']);
  const groups: Record<string, Partial<GroupSettings>> = {};
  if (o['groups'] !== undefined) {
    if (typeof o['groups'] !== 'object' || o['groups'] === null || Array.isArray(o['groups']))
      fail(file, 'groups must be a mapping of group name to settings');
    for (const [name, g] of Object.entries(o['groups'] as Record<string, unknown>)) {
      if (!DNS_LABEL.test(name)) fail(file, `group name "${name}" is not a DNS label`);
      const settings = (g ?? {}) as Record<string, unknown>;
      if (typeof settings !== 'object' || Array.isArray(settings))
        fail(file, `groups.${name} must be a mapping`);
      checkKeys(file, `groups.${name}.`, settings, ['httpPort', 'httpsPort']);
      groups[name] = {
        ...(settings['httpPort'] !== undefined
          ? { httpPort: port(file, `groups.${name}.httpPort`, settings['httpPort']) }
          : {}),
        ...(settings['httpsPort'] !== undefined
          ? { httpsPort: port(file, `groups.${name}.httpsPort`, settings['httpsPort']) }
          : {}),
      };
    }
  }
  return {
    ...(o['httpPort'] !== undefined ? { httpPort: port(file, 'httpPort', o['httpPort']) } : {}),
    ...(o['httpsPort'] !== undefined ? { httpsPort: port(file, 'httpsPort', o['httpsPort']) } : {}),
    groups,
  };
}

export function readControllerConfig(file: string): ControllerConfig {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new CausewayError(
      'CW_E_CONFIG_INVALID',
      `cannot read config file ${file}: ${(e as Error).message}`,
    );
  }
  return parseControllerConfig(file, text);
}
