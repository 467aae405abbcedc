import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { staticRoutes } from './static';

const root = mkdtempSync(join(tmpdir(), 'paddock-dist-'));
const dist = join(root, 'dist');
mkdirSync(join(dist, 'assets'), { recursive: true });
writeFileSync(join(dist, 'index.html'), '<!doctype html><title>console</title>');
writeFileSync(join(dist, 'assets', 'app-123.js'), 'console.log(1)');
writeFileSync(join(root, 'secret.txt'), 'outside dist');
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('serving the built console', () => {
  const app = staticRoutes(dist);
  it('serves assets with their type and a long cache life', async () => {
    const res = await app.request('http://x/assets/app-123.js');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(res.headers.get('cache-control')).toMatch(/immutable/);
  });
  it('falls back to index.html for client-side routes', async () => {
    const addresses = ['/', '/activity', '/sign-in', '/activity/', '/runners', '/notifications', '/settings/tokens'];
    // PRODUCT.md §3 round 2: a pasted address of a group or of one of its instances opens that view.
    addresses.push('/runners/5b1e0c52-0d8e-4c43-9f0e-2a4b8f0e1d11', '/runners/5b1e0c52-0d8e-4c43-9f0e-2a4b8f0e1d11/instances/7c2f9a10-1b2c-4d3e-8f40-5a6b7c8d9e0f');
    for (const path of addresses) {
      const res = await app.request(`http://x${path}`);
      expect(res.status, path).toBe(200);
      expect(await res.text()).toContain('<title>console</title>');
      expect(res.headers.get('cache-control')).toBe('no-cache');
    }
  });
  it('answers an unknown route 404: problem+json, or index.html (its "Page not found") for a browser', async () => {
    for (const path of ['/nope', '/runners/some-group/nope', '/runners/g/instances', '/settings', '/assets/missing.js']) {
      const res = await app.request(`http://x${path}`);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await res.json()).toMatchObject({ status: 404, title: 'Not Found' });
    }
    const page = await app.request('http://x/nope', { headers: { Accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect(page.status).toBe(404);
    expect(await page.text()).toContain('<title>console</title>');
    const asset = await app.request('http://x/assets/missing.js', { headers: { Accept: 'text/html' } });
    expect(asset.headers.get('content-type')).toBe('application/problem+json');
  });
  it('never serves a file outside the dist directory', async () => {
    for (const path of ['/../secret.txt', '/assets/%2e%2e/%2e%2e/secret.txt', '/%2e%2e/secret.txt']) {
      expect(await (await app.request(`http://x${path}`)).text()).not.toContain('outside dist');
    }
  });
  it('says to run npm run build when nothing is built', async () => {
    const res = await staticRoutes(join(root, 'missing')).request('http://x/');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('npm run build');
  });
});
