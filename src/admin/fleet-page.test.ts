import { createHash } from 'node:crypto';
import { FLEET_PAGE_CSP, FLEET_REFRESH_MS, fleetPageHtml } from './fleet-page.js';

const inline = (tag: 'script' | 'style'): string => {
  const m = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`).exec(fleetPageHtml());
  if (!m) throw new Error(`no inline <${tag}>`);
  return m[1] as string;
};
const hash = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

describe('fleet page', () => {
  it('allows exactly its own inline script and style in the Content-Security-Policy', () => {
    expect(FLEET_PAGE_CSP).toContain(`script-src ${hash(inline('script'))};`);
    expect(FLEET_PAGE_CSP).toContain(`style-src ${hash(inline('style'))};`);
    expect(FLEET_PAGE_CSP).toMatch(/^default-src 'none'; /);
  });

  it('puts API data into the page as text only: no HTML-parsing DOM sink in its script', () => {
    const script = inline('script');
    for (const sink of [
      'innerHTML',
      'outerHTML',
      'insertAdjacentHTML',
      'document.write',
      'eval(',
      'Function(',
    ]) {
      expect(script).not.toContain(sink);
    }
    expect(script).toContain('textContent');
  });

  it('refreshes from /api/gateways every 2 s, keeping the ?group= of its own address', () => {
    const script = inline('script');
    expect(FLEET_REFRESH_MS).toBe(2000);
    expect(script).toContain(`const REFRESH_MS = ${FLEET_REFRESH_MS};`);
    expect(script).toContain("'/api/gateways' + (group ? '?group=' + encodeURIComponent(group) : '')");
  });
});
