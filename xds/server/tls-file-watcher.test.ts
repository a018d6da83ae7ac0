/** The xDS TLS files watcher: a rotation caught half-written keeps the previous material in force. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestCa } from '../../test/support/tls-certs.js';
import { createTestCa } from '../../test/support/tls-certs.js';
import type { AdsLogger } from './ads-logger.js';
import { TlsFileWatcher } from './tls-file-watcher.js';

let ca: TestCa;
let dir: string;
let watcher: TlsFileWatcher | undefined;
const warnings: string[] = [];
const logger: AdsLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (obj) => warnings.push(String((obj as { err?: string }).err)),
  error: () => undefined,
};

beforeAll(() => {
  ca = createTestCa();
});
afterAll(() => ca.remove());
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'causeway-tls-watch-'));
  warnings.length = 0;
});
afterEach(() => {
  watcher?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const files = (): { certFile: string; keyFile: string; clientCaFile: string } => ({
  certFile: path.join(dir, 'tls.crt'),
  keyFile: path.join(dir, 'tls.key'),
  clientCaFile: path.join(dir, 'ca.crt'),
});

test('publishes a new consistent set to its listeners; keeps the old one while the key does not fit', async () => {
  const first = ca.issueServer({ dns: ['localhost'] });
  fs.writeFileSync(files().certFile, first.cert);
  fs.writeFileSync(files().keyFile, first.key);
  fs.writeFileSync(files().clientCaFile, ca.caCert);
  watcher = new TlsFileWatcher(files(), { logger, reloadIntervalMs: 3_600_000 });
  const seen: string[] = [];
  watcher.addIdentityCertificateListener((u) => seen.push(u ? u.certificate.toString() : 'none'));
  await new Promise((r) => process.nextTick(r));
  expect(seen).toEqual([first.cert]);

  // Half-way through a rotation: the new certificate, the old key.
  const second = ca.issueServer({ dns: ['localhost'] });
  fs.writeFileSync(files().certFile, second.cert);
  expect(watcher.reload()).toBe(false);
  expect(watcher.current().serialNumber).toBe(first.serialNumber);
  expect(warnings.some((w) => /does not fit the certificate/.test(w))).toBe(true);
  // A missing file is no reason to drop the certificate either.
  fs.rmSync(files().keyFile);
  expect(watcher.reload()).toBe(false);
  expect(seen).toEqual([first.cert]);

  fs.writeFileSync(files().keyFile, second.key);
  expect(watcher.reload()).toBe(true);
  expect(watcher.current().serialNumber).toBe(second.serialNumber);
  expect(seen).toEqual([first.cert, second.cert]);
  // Unchanged files: nothing published.
  expect(watcher.reload()).toBe(false);
  expect(seen).toHaveLength(2);
});
