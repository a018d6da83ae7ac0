/**
 * `causeway translate --mode alb` as users run it (bin/causeway.js over dist/, built by `npm run build`):
 * the ALB stacks of ALB-class Ingresses, facts from --aws-facts, exit codes; gateway mode output unchanged.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { projectRoot } from '../../src/tools/envoy-binary.js';
import { tempDir } from '../support/manifests.js';
import { ALB_CASES_DIR } from './alb-cases.js';

const root = projectRoot();

function causeway(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'bin', 'causeway.js'), ...args], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function folderWith(caseFile: string): string {
  const dir = tempDir('causeway-alb-cli-');
  fs.copyFileSync(path.join(ALB_CASES_DIR, 'build', caseFile), path.join(dir, 'in.yaml'));
  return dir;
}

interface AlbOut {
  diagnostics: { code: string; severity: string }[];
  stacks: { group: string; loadBalancers: { listeners: { port: number; certificateArns: string[] }[] }[] }[];
  heldGroups: string[];
}

test('translate --mode alb prints each IngressGroup stack; --aws-facts supplies the certificates', () => {
  const dir = folderWith('03-tls-certificates.in.yaml');
  const facts = path.join(dir, '..', `${path.basename(dir)}-facts.yaml`);
  fs.writeFileSync(
    facts,
    YAML.stringify({
      vpcId: 'vpc-0123456789abcdef0',
      subnets: [
        { id: 'subnet-0a0a0a0a', availabilityZone: 'eu-west-1a', roles: ['internal'] },
        { id: 'subnet-0b0b0b0b', availabilityZone: 'eu-west-1b', roles: ['internal'] },
      ],
      certificates: [
        { arn: 'arn:aws:acm:eu-west-1:123456789012:certificate/www', domains: ['www.example.com'] },
      ],
    }),
  );
  const r = causeway(
    'translate',
    '-f',
    dir,
    '--mode',
    'alb',
    '--aws-facts',
    facts,
    '-o',
    'json',
    '--cluster-name',
    'prod',
  );
  expect(r.status).toBe(0);
  const out = JSON.parse(r.stdout) as AlbOut;
  expect(out.stacks.map((s) => s.group)).toEqual(['tls']);
  const https = out.stacks[0]!.loadBalancers[0]!.listeners.find((l) => l.port === 443)!;
  expect(https.certificateArns).toEqual([
    'arn:aws:acm:us-east-1:123456789012:certificate/pay-example-net',
    'arn:aws:acm:eu-west-1:123456789012:certificate/www',
  ]);
  expect(out.diagnostics.map((d) => d.code)).toEqual([
    'CW_E_ALB_CERTIFICATE_NOT_FOUND',
    'CW_E_ALB_CERTIFICATE_NOT_FOUND',
  ]);
});

test('translate --mode alb exits 1 on error diagnostics and reports held groups', () => {
  const r = causeway('translate', '-f', folderWith('08-bad-annotations.in.yaml'), '--mode', 'alb');
  expect(r.status).toBe(1);
  const out = YAML.parse(r.stdout) as AlbOut;
  expect(out.heldGroups).toEqual(['held', 'shop/bad-group']);
  expect(out.stacks.map((s) => s.group)).toEqual(['mixed']);
});

test('translate --mode alb refuses an unreadable facts file and an unknown group', () => {
  const dir = folderWith('01-single-ingress.in.yaml');
  const bad = causeway('translate', '-f', dir, '--mode', 'alb', '--aws-facts', '/does/not/exist.yaml');
  expect(bad.status).toBe(2);
  expect(bad.stderr).toMatch(/cannot read AWS facts file/);
  const group = causeway('translate', '-f', dir, '--mode', 'alb', '--group', 'nope');
  expect(group.status).toBe(2);
  expect(group.stderr).toMatch(/unknown ALB group "nope"/);
});

test('gateway mode (the default) ignores ALB-class Ingresses', () => {
  const r = causeway('translate', '-f', folderWith('01-single-ingress.in.yaml'), '--ir', '-o', 'json');
  expect(r.status).toBe(0);
  expect(r.stdout).not.toContain('shop.example.com');
});
