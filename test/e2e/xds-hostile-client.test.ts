/**
 * Issue 11, finding 6, against the compiled controller (a separate process, so its RSS can be read):
 * xDS clients sending 3 MB NACK messages, 100 KB node ids, made-up groups and unknown types cannot
 * grow what the controller keeps or shows, nor its metric series; its figures are printed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { startControllerProcess, type ControllerProcess } from '../support/controller-process.js';
import {
  catchAllIngress,
  endpointSlice,
  INGRESS_CLASS,
  service,
  tempDir,
  yamlDocs,
} from '../support/manifests.js';
import { freePorts } from '../support/ports.js';
import { XdsClient } from '../support/xds-client.js';
import { RESOURCE_TYPES } from '../../xds/protos/envoy-protos.js';
import { CLIENT_TEXT_LIMITS } from '../../xds/server/client-input.js';

const CDS = RESOURCE_TYPES.cluster;
const NACKS = 20;
const MESSAGE = 3_000_000;

let controller: ControllerProcess | undefined;
let client: XdsClient | undefined;
afterEach(async () => {
  client?.close();
  await controller?.kill('SIGTERM');
});

function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Math.round(Number(kb) / 1024);
}

async function text(port: number, url: string): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}${url}`)).text();
}

test(`${NACKS} NACKs of 3 MB with 100 KB node ids, 50 made-up groups, unknown types: bounded`, async () => {
  const dir = tempDir('cw-hostile-');
  fs.writeFileSync(
    path.join(dir, 'app.yaml'),
    yamlDocs(
      INGRESS_CLASS,
      service('web'),
      endpointSlice('web', [{ address: '127.0.0.1', port: 8080 }]),
      catchAllIngress('web', 'web'),
    ),
  );
  const [xdsPort, adminPort, httpPort, httpsPort] = await freePorts(4);
  controller = await startControllerProcess({
    manifests: dir,
    xdsPort: xdsPort!,
    adminPort: adminPort!,
    httpPort: httpPort!,
    httpsPort: httpsPort!,
  });
  const pid = controller.child.pid!;
  client = new XdsClient(`127.0.0.1:${xdsPort}`);
  const before = rssMb(pid);

  const huge = 'e'.repeat(MESSAGE);
  for (let i = 0; i < NACKS; i++) {
    const s = client.sotw({ id: `evil-${i}-${'n'.repeat(100_000)}` });
    s.subscribe(CDS);
    s.nack(await s.nextResponse(CDS, 10_000), huge);
    for (let t = 0; t < 5; t++) s.send({ type_url: `type.example/unknown.${i}.${t}` });
  }
  for (let g = 0; g < 50; g++) client.sotw({ id: `drifter-${g}`, cluster: `made-up-${g}` }).subscribe(CDS);

  // Every NACK and unknown-type request handled (the metrics count them), then what is shown.
  const handled = [
    new RegExp(`^causeway_xds_nacks_total\\{group="default",type="cluster"\\} ${NACKS}$`, 'm'),
    new RegExp(`^causeway_xds_unknown_type_requests_total\\{group="default"\\} ${NACKS * 5}$`, 'm'),
    /^causeway_xds_connected_gateways\{group="_unknown",stream="sotw"\} 50$/m,
  ];
  let metrics = '';
  const deadline = Date.now() + 20_000;
  while (!handled.every((re) => re.test(metrics))) {
    if (Date.now() > deadline) throw new Error(`not all requests handled:\n${metrics.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 200));
    metrics = await text(adminPort!, '/metrics');
  }
  const diagnostics = await text(adminPort!, '/debug/diagnostics');
  const gateways = await text(adminPort!, '/api/gateways');
  const after = rssMb(pid);
  const logged = controller.output().length;
  console.log(
    `${NACKS} NACKs of ${MESSAGE} chars: RSS ${before} -> ${after} MB; /debug/diagnostics ${diagnostics.length} chars, ` +
      `/api/gateways ${gateways.length} chars, controller output ${logged} chars`,
  );
  expect(diagnostics.match(/CW_E_GATEWAY_NACK/g)?.length).toBeGreaterThanOrEqual(NACKS);
  expect(gateways.match(/"lastNack"/g)?.length).toBeGreaterThanOrEqual(NACKS); // per type and per gateway
  const perNack = CLIENT_TEXT_LIMITS.nackMessage + CLIENT_TEXT_LIMITS.nodeId + 1_000;
  expect(diagnostics.length).toBeLessThan(NACKS * 2 * perNack);
  expect(gateways.length).toBeLessThan(NACKS * 2 * perNack + 200_000);
  expect(logged).toBeLessThan(NACKS * 4 * perNack);
  expect(after - before).toBeLessThan(150); // unclipped: several hundred MB
  const groups = new Set(
    [...metrics.matchAll(/^causeway_xds_[a-z_]+\{[^}]*group="([^"]*)"/gm)].map((m) => m[1]),
  );
  expect([...groups].sort()).toEqual(['_unknown', 'default']);
});
