/**
 * The node agent's container lifecycle on plain host processes (a sandbox without a network namespace,
 * so no root is needed): restarts per restartPolicy with a growing restartCount, and the kubelet's stop
 * sequence (preStop exec before SIGTERM, SIGKILL once the grace period is over).
 */
import { describe, expect, test } from '@jest/globals';
import { spawn } from 'node:child_process';
import type { V1Container } from '@kubernetes/client-node';
import { ContainerRunner, type PodSandbox } from './container-runner.js';
import type { ContainerView } from './pod-status.js';

function hostSandbox(events: string[]): PodSandbox {
  return {
    ip: '127.0.0.1',
    spawn: (cmd, args) => spawn(cmd, [...args], { stdio: ['ignore', 'pipe', 'pipe'] }),
    exec: (cmd, args) =>
      new Promise((resolve) => {
        events.push(`exec ${[cmd, ...args].join(' ')}`);
        const child = spawn(cmd, [...args], { stdio: 'ignore' });
        child.once('exit', (code) => resolve(code));
      }),
  };
}

function runner(script: string, container: Partial<V1Container>, policy: string, events: string[]) {
  const c: V1Container = { name: 'main', image: 'node', ...container };
  const spec = { name: 'main', binary: process.execPath, args: ['-e', script], env: {} };
  const views: ContainerView[] = [];
  const r = new ContainerRunner(c, spec, hostSandbox(events), policy, () => views.push(r.view()));
  return { r, views };
}

async function until(what: string, ok: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${String(timeoutMs)} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const RUN_FOREVER = 'setInterval(() => {}, 1000)';

describe('ContainerRunner', () => {
  test('restartPolicy Always restarts an exiting container; Never leaves it terminated', async () => {
    const always = runner('process.exit(3)', {}, 'Always', []);
    always.r.start();
    await until('restarted', () =>
      always.views.some((v) => v.restartCount >= 1 && v.state.kind === 'running'),
    );
    await always.r.stop(Date.now());

    const never = runner('process.exit(3)', {}, 'Never', []);
    never.r.start();
    await until('terminated', () => never.r.view().state.kind === 'terminated');
    expect(never.r.view()).toMatchObject({ restartCount: 0, willRestart: false, ready: false });
    expect(never.r.view().state).toMatchObject({ kind: 'terminated', exitCode: 3, reason: 'Error' });
  }, 30_000);

  test('stop: preStop exec first, then SIGTERM', async () => {
    const events: string[] = [];
    const script = `process.on('SIGTERM', () => { process.exit(0); }); process.stdout.write('up\\n'); ${RUN_FOREVER}`;
    const { r } = runner(
      script,
      { lifecycle: { preStop: { exec: { command: ['true'] } } } },
      'Always',
      events,
    );
    r.start();
    await until('listening to SIGTERM', () => r.logs().includes('up'));
    await r.stop(Date.now() + 10_000);
    events.push('stopped');
    expect(events).toEqual(['exec true', 'stopped']);
    // Exit 0 from its own SIGTERM handler: it stopped on SIGTERM, not on the SIGKILL 10 s later.
    expect(r.view().state).toMatchObject({ kind: 'terminated', exitCode: 0 });
    expect(r.view().willRestart).toBe(false);
  }, 30_000);

  test('stop: a process that ignores SIGTERM is killed when the grace period is over', async () => {
    const script = `process.on('SIGTERM', () => {}); process.stdout.write('up\\n'); ${RUN_FOREVER}`;
    const { r } = runner(script, {}, 'Always', []);
    r.start();
    await until('listening to SIGTERM', () => r.logs().includes('up'));
    await r.stop(Date.now() + 200);
    expect(r.view().state).toMatchObject({ kind: 'terminated', exitCode: 137 });
  }, 30_000);
});
