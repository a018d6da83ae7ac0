/**
 * `causeway gateways`: the fleet registry from the controller's admin API (`GET /api/gateways`), as a
 * table (like kubectl), a wide table, or the API's JSON; `causeway gateways drain|undrain NODE_ID` call
 * `POST|DELETE /api/gateways/<node id>/drain`, with `Authorization: Bearer` from `--token-file` or
 * `$CAUSEWAY_ADMIN_TOKEN` when given (the flag wins).
 *
 * Exit status: 0 done; 1 the admin API is unreachable or answered an error (unknown group or node id,
 * another replica serves the gateway); 2 a usage error (unknown `-o` format, malformed `--admin-address`).
 */
import fs from 'node:fs';
import { Command } from 'commander';
import type { FleetGateway, FleetView } from '../fleet/fleet-view.js';
import { parseHostPort } from './cli-errors.js';
import type { RegisterCommand } from './command-module.js';

/** The controller's own default `--admin-address` (test/e2e/gateways-cli.test.ts keeps the two equal). */
export const DEFAULT_ADMIN_ADDRESS = '127.0.0.1:19000';
const REQUEST_TIMEOUT_MS = 10_000;
const OUTPUTS = ['wide', 'json'] as const;
const KINDS = ['cluster', 'endpoint', 'secret', 'listener', 'route'] as const;
/** Width of a version hash in the wide table. */
const SHORT_VERSION = 8;
const NACK_WIDTH = 80;
/** The environment variable `drain`/`undrain` read the admin API's bearer token from (without --token-file). */
export const ADMIN_TOKEN_ENV = 'CAUSEWAY_ADMIN_TOKEN';

interface ListFlags {
  readonly group?: string;
  readonly output?: string;
  readonly adminAddress: string;
}

/** A failure to report with exit status 1 (2 when `usage`). */
class GatewaysCommandError extends Error {
  constructor(
    message: string,
    readonly usage = false,
  ) {
    super(message);
    this.name = 'GatewaysCommandError';
  }
}

/** `http://HOST:PORT` of the admin API, or a usage error. */
export function adminBaseUrl(address: string): string {
  let hp: { host: string; port: number };
  try {
    hp = parseHostPort(address);
  } catch {
    throw new GatewaysCommandError(
      `invalid --admin-address "${address}": expected HOST:PORT, e.g. ${DEFAULT_ADMIN_ADDRESS}`,
      true,
    );
  }
  const host = hp.host.includes(':') ? `[${hp.host}]` : hp.host;
  return `http://${host}:${hp.port}`;
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  if ((err as Error)?.name === 'TimeoutError') return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  if (cause?.code === 'ECONNREFUSED') return 'connection refused';
  return cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err);
}

/** Calls the admin API; an unreachable API or an error answer becomes a GatewaysCommandError. */
async function callAdmin(
  address: string,
  method: string,
  pathAndQuery: string,
  token?: string,
): Promise<unknown> {
  const url = `${adminBaseUrl(address)}${pathAndQuery}`;
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (err) {
    throw new GatewaysCommandError(
      `cannot reach the admin API at ${address} (${causeOf(err)}): is the controller running, and is --admin-address right?`,
    );
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new GatewaysCommandError(
      `the admin API at ${address} answered ${method} ${pathAndQuery} with ${res.status} and no JSON: ${text.slice(0, 200)}`,
    );
  }
  if (!res.ok) {
    const error = (body as { error?: unknown })?.error;
    const text = typeof error === 'string' ? error : `${method} ${pathAndQuery}: HTTP ${res.status}`;
    const hint =
      res.status === 401 && token === undefined ? ` (give --token-file FILE or set $${ADMIN_TOKEN_ENV})` : '';
    throw new GatewaysCommandError(`${text}${hint}`);
  }
  return body;
}

/** Terminal-safe text: no control characters (a NACK message or node id could carry escape sequences). */
function cell(value: string | undefined): string {
  if (value === undefined || value === '') return '-';
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
}

function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 3)}...`;
}

/** Like kubectl's ages: 45s, 12m, 5h, 3d. */
export function age(fromIso: string, nowIso: string): string {
  const s = Math.floor((Date.parse(nowIso) - Date.parse(fromIso)) / 1000);
  if (!Number.isFinite(s)) return '-';
  if (s < 120) return `${Math.max(0, s)}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h}h` : `${Math.floor(h / 24)}d`;
}

/** Left-aligned columns, three spaces apart, as kubectl prints them. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows
    .map((row) =>
      row
        .map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
        .join('   ')
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join('');
}

/** `type (objects): message`, e.g. `listener (Ingress shop/web): Error adding/updating listener(s)...`. */
function lastNackText(gw: FleetGateway): string {
  const n = gw.lastNack;
  if (!n) return '-';
  const objects = (n.objects ?? []).map(
    (o) =>
      `${o.cluster !== undefined ? `${o.cluster}: ` : ''}${o.kind} ${o.namespace !== undefined ? `${o.namespace}/` : ''}${o.name}`,
  );
  const from = objects.length > 0 ? ` (${objects.join(', ')})` : '';
  return truncate(cell(`${n.type}${from}: ${n.message}`), NACK_WIDTH);
}

/** The table of `causeway gateways` (`wide` adds Envoy version, stream, ACKed versions and last NACK). */
export function formatGateways(view: FleetView, wide: boolean): string {
  const header = ['NODE', 'GROUP', 'ZONE', 'ADDRESS', 'STATUS', 'AGE'];
  if (wide) header.push('ENVOY', 'STREAM', ...KINDS.map((k) => k.toUpperCase()), 'LAST NACK');
  const rows = view.groups.flatMap((g) =>
    g.gateways.map((gw) => {
      const row = [
        cell(gw.nodeId),
        cell(gw.group),
        cell(gw.zone),
        cell(gw.address),
        gw.status,
        age(gw.connectedAt, view.generatedAt),
      ];
      if (wide) {
        row.push(
          cell(gw.envoyVersion),
          gw.stream,
          ...KINDS.map((k) =>
            cell(gw.types.find((t) => t.type === k)?.ackedVersion?.slice(0, SHORT_VERSION)),
          ),
          lastNackText(gw),
        );
      }
      return row;
    }),
  );
  return formatTable([header, ...rows]);
}

async function listGateways(flags: ListFlags): Promise<string> {
  const output = flags.output;
  if (output !== undefined && !(OUTPUTS as readonly string[]).includes(output)) {
    throw new GatewaysCommandError(`unknown output format "${output}": expected wide or json`, true);
  }
  adminBaseUrl(flags.adminAddress); // a malformed address is a usage error, before any request
  const query = flags.group !== undefined ? `?group=${encodeURIComponent(flags.group)}` : '';
  const view = (await callAdmin(flags.adminAddress, 'GET', `/api/gateways${query}`)) as FleetView;
  if (output === 'json') return `${JSON.stringify(view, null, 2)}\n`;
  if (!Array.isArray(view.groups))
    throw new GatewaysCommandError('the admin API answered an unexpected shape');
  if (view.groups.every((g) => g.gateways.length === 0)) {
    process.stderr.write(
      flags.group !== undefined
        ? `No gateway connected in group ${flags.group}.\n`
        : 'No gateway connected.\n',
    );
    return '';
  }
  return formatGateways(view, output === 'wide');
}

interface DrainFlags {
  readonly adminAddress: string;
  readonly tokenFile?: string;
}

/**
 * The bearer token to send: the content of `--token-file` (trimmed), else `$CAUSEWAY_ADMIN_TOKEN`, else
 * none. An unreadable or empty file is a usage error naming the file (never its content).
 */
export function adminTokenOf(tokenFile: string | undefined, env: NodeJS.ProcessEnv): string | undefined {
  if (tokenFile === undefined) {
    const fromEnv = env[ADMIN_TOKEN_ENV]?.trim();
    return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
  }
  let token: string;
  try {
    token = fs.readFileSync(tokenFile, 'utf8').trim();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new GatewaysCommandError(`cannot read --token-file ${JSON.stringify(tokenFile)} (${code})`, true);
  }
  if (token === '' || /\s/.test(token)) {
    throw new GatewaysCommandError(
      `--token-file ${JSON.stringify(tokenFile)} does not hold one token (empty, or whitespace inside)`,
      true,
    );
  }
  return token;
}

async function setDraining(nodeId: string, flags: DrainFlags, draining: boolean): Promise<string> {
  adminBaseUrl(flags.adminAddress);
  const token = adminTokenOf(flags.tokenFile, process.env);
  const body = (await callAdmin(
    flags.adminAddress,
    draining ? 'POST' : 'DELETE',
    `/api/gateways/${encodeURIComponent(nodeId)}/drain`,
    token,
  )) as { nodeId?: string; draining?: boolean };
  const id = cell(body.nodeId ?? nodeId);
  return body.draining ? `gateway ${id} draining\n` : `gateway ${id} not draining\n`;
}

/** Reports through commander: exit 2 for a usage error, 1 for anything else. */
function fail(cmd: Command, err: unknown): never {
  if (err instanceof GatewaysCommandError && err.usage) {
    cmd.error(`causeway: ${err.message}`, { exitCode: 2, code: 'causeway.usage' });
  }
  cmd.showHelpAfterError(false);
  const message = err instanceof GatewaysCommandError ? err.message : ((err as Error)?.stack ?? String(err));
  cmd.error(`causeway: ${message}`, { exitCode: 1, code: 'causeway.failed' });
}

function write(cmd: Command, text: string): void {
  const writeOut = cmd.configureOutput().writeOut ?? ((s: string) => process.stdout.write(s));
  if (text !== '') writeOut(text);
}

const ADMIN_ADDRESS_HELP = "the controller's admin API, HOST:PORT";

function drainCommand(name: 'drain' | 'undrain'): Command {
  const draining = name === 'drain';
  return new Command(name)
    .summary(draining ? 'drain a gateway (it leaves the load balancer rotation)' : 'stop draining a gateway')
    .description(
      draining
        ? "Drain a gateway: its health check for the external load balancer starts failing and Envoy closes its connections gracefully; the registry shows it draining. Calls POST /api/gateways/NODE_ID/drain on the controller's admin API (the replica the gateway is connected to)."
        : "Stop draining a gateway: its health check passes again. Calls DELETE /api/gateways/NODE_ID/drain on the controller's admin API.",
    )
    .argument('<node-id>', 'the node id of the gateway (see `causeway gateways`)')
    .option(
      '--admin-address <host:port>',
      `${ADMIN_ADDRESS_HELP} serving the drain API (the controller's --admin-api-address when it has one)`,
      DEFAULT_ADMIN_ADDRESS,
    )
    .option(
      '--token-file <file>',
      `file holding the admin API's bearer token (the controller's --admin-token-file), sent as Authorization: Bearer; default: $${ADMIN_TOKEN_ENV} when set`,
    )
    .action(async function (this: Command, nodeId: string) {
      let text: string;
      try {
        text = await setDraining(nodeId, this.opts<DrainFlags>(), draining);
      } catch (err) {
        fail(this, err);
      }
      write(this, text);
    });
}

/** Registers `causeway gateways`, `causeway gateways drain` and `causeway gateways undrain`. */
export const registerGatewaysCommand: RegisterCommand = (program) => {
  const gateways = program
    .command('gateways')
    .summary('list the connected gateways (fleet registry); drain or undrain one')
    .description(
      "The connected Envoy gateways, from the controller's admin API (GET /api/gateways): node id, group, zone, " +
        'address, status (in-sync, lagging, rejecting, draining) and age; -o wide adds the Envoy version, the xDS ' +
        'stream, the ACKed version of each resource type and the last NACK; -o json prints the API answer. ' +
        'See docs/fleet.md.',
    )
    .option('--group <group>', 'only the gateways of this gateway group')
    .option('-o, --output <format>', 'output format: wide or json (default: a table)')
    .option('--admin-address <host:port>', ADMIN_ADDRESS_HELP, DEFAULT_ADMIN_ADDRESS)
    .action(async function (this: Command) {
      let text: string;
      try {
        text = await listGateways(this.opts<ListFlags>());
      } catch (err) {
        fail(this, err);
      }
      write(this, text);
    });
  for (const name of ['drain', 'undrain'] as const) {
    const sub = drainCommand(name);
    sub.copyInheritedSettings(gateways);
    gateways.addCommand(sub);
  }
};
