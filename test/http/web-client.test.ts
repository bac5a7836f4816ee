import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '#test/support/http.ts';
import { expectProblem } from './helpers.ts';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const get = (path: string, headers: Record<string, string> = {}) =>
  app.runtime.app.request(path, { headers });

/** The page, and every module reachable from its script by static imports. */
async function clientFiles(): Promise<{ page: string; named: string[]; assets: string[] }> {
  const page = await (await get('/app')).text();
  const named = [...page.matchAll(/(?:src|href)="(\/app\/[^"]+)"/g)].map(([, url]) => url ?? '');
  const assets = new Set(named);
  for (const url of named.filter((each) => each.endsWith('.js'))) {
    const queue = [url];
    while (queue.length > 0) {
      const module = queue.pop()!;
      for (const [, relative] of (await (await get(module)).text()).matchAll(/from '(\.\/[^']+)'/g)) {
        const imported = new URL(relative!, `http://x${module}`).pathname;
        if (!assets.has(imported)) queue.push(imported);
        assets.add(imported);
      }
    }
  }
  return { page, named, assets: [...assets] };
}

describe('GET /app', () => {
  it('serves the client under a CSP that allows nothing but this service, with the API’s security headers', async () => {
    const response = await get('/app');

    expect(response.status).toBe(200);
    expect(response.headers.get('Content-Type')).toMatch(/^text\/html/);
    const csp = response.headers.get('Content-Security-Policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/unsafe|https?:|\*/);
    expect(response.headers.get('X-Content-Type-Options')).toBe('nosniff');
    expect(response.headers.get('X-Frame-Options')).toBe('SAMEORIGIN');
    expect(response.headers.get('Referrer-Policy')).toBe('no-referrer');
    const page = await response.text();
    const links = [...page.matchAll(/(?:src|href)="([^"]+)"/g)].map(([, url]) => url ?? '');
    expect(links.filter((url) => !url.startsWith('/'))).toEqual([]);
    expect(page).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=|\son\w+=/);
  });

  it('names only assets of its own, each cacheable for a year under a versioned path', async () => {
    const { assets, named } = await clientFiles();

    // Every module is preloaded by the page itself: no waterfall of imports.
    expect(assets.filter((url) => !named.includes(url))).toEqual([]);
    expect(assets.length).toBeGreaterThan(5);
    for (const url of assets) {
      expect(url).toMatch(/^\/app\/assets\/[0-9a-f]{12}\/[\w-]+\.(js|css|svg)$/);
      const response = await get(url);
      expect({ url, status: response.status }).toEqual({ url, status: 200 });
      expect(response.headers.get('Content-Type')).toMatch(/^(text\/(javascript|css)|image\/svg\+xml)/);
      expect(response.headers.get('Cache-Control')).toBe('public, max-age=31536000, immutable');
    }
  });

  it('answers 404 for an asset of another version or a file that is not the client’s', async () => {
    const { assets } = await clientFiles();
    const main = assets.find((url) => url.endsWith('/main.js'))!;

    const otherVersion = await app.client.get(main.replace(/\/[0-9a-f]{12}\//, '/000000000000/'));
    const notOurs = await app.client.get(main.replace('main.js', 'app.routes.ts'));

    expectProblem(otherVersion, 404, 'NOT_FOUND');
    expectProblem(notOurs, 404, 'NOT_FOUND');
  });

  it('sends brotli or gzip as the browser accepts them, and the same bytes uncompressed otherwise', async () => {
    const plain = await get('/app');
    const text = await plain.clone().text();
    const br = await get('/app', { 'Accept-Encoding': 'gzip, deflate, br, zstd' });
    const gzip = await get('/app', { 'Accept-Encoding': 'gzip, br;q=0' });

    expect(plain.headers.get('Content-Encoding')).toBeNull();
    expect(br.headers.get('Content-Encoding')).toBe('br');
    expect(brotliDecompressSync(Buffer.from(await br.arrayBuffer())).toString()).toBe(text);
    expect(gzip.headers.get('Content-Encoding')).toBe('gzip');
    expect(gunzipSync(Buffer.from(await gzip.arrayBuffer())).toString()).toBe(text);
    for (const response of [plain, br, gzip]) expect(response.headers.get('Vary')).toMatch(/Accept-Encoding/);
  });

  it('revalidates the page with its ETag: 304 while it is unchanged', async () => {
    const first = await get('/app');
    const etag = first.headers.get('ETag')!;

    const again = await get('/app', { 'If-None-Match': etag });

    expect(first.headers.get('Cache-Control')).toBe('no-cache');
    expect(etag).toMatch(/^W\/".+"$/);
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect((await get('/app', { 'If-None-Match': 'W/"other"' })).status).toBe(200);
  });
});
