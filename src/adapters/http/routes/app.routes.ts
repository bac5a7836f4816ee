import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../auth-middleware.ts';

/** The web client: plain ES modules, one stylesheet and a page, served as they are (no build step). */
const WEB_DIR = fileURLToPath(new URL('../web/', import.meta.url));
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};
/** The assets' path holds a hash of them all, so a browser keeps them until the client changes. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Nothing but this service: no inline script or style, no other origin; the API is called with fetch. */
const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The whole client is ~14 KB at quality 5, compressed in ~5 ms; quality 11 saves ~1.3 KB for ~270 ms of CPU. */
const BROTLI_QUALITY = 5;

/** One file, compressed ahead (brotli and gzip) so that no request compresses anything. */
interface WebFile {
  type: string;
  etag: string;
  identity: Uint8Array<ArrayBuffer>;
  br: Uint8Array<ArrayBuffer>;
  gzip: Uint8Array<ArrayBuffer>;
}

interface WebClient {
  version: string;
  page: WebFile;
  assets: Map<string, WebFile>;
}

function webFile(name: string, content: Uint8Array<ArrayBuffer>): WebFile {
  const hash = createHash('sha256').update(content).digest('base64url').slice(0, 22);
  return {
    type: TYPES[extname(name)] ?? 'application/octet-stream',
    // Weak: the same for each encoding of the content.
    etag: `W/"${hash}"`,
    identity: content,
    br: new Uint8Array(
      brotliCompressSync(content, { params: { [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY } }),
    ),
    gzip: new Uint8Array(gzipSync(content, { level: 9 })),
  };
}

let loaded: WebClient | undefined;
/** Read and compressed once per process, at the first request. */
function webClient(): WebClient {
  if (loaded) return loaded;
  const names = readdirSync(WEB_DIR)
    .filter((name) => name !== 'index.html' && TYPES[extname(name)])
    .sort();
  const assets = new Map(
    names.map((name) => [name, webFile(name, new Uint8Array(readFileSync(join(WEB_DIR, name))))]),
  );
  const version = createHash('sha256')
    .update([...assets].map(([name, file]) => `${name}:${file.etag}`).join('\n'))
    .digest('hex')
    .slice(0, 12);
  // Every module is announced up front, so the browser fetches them at once rather than import by import.
  const preloads = names
    .filter((name) => name.endsWith('.js'))
    .map((name) => `<link rel="modulepreload" href="/app/assets/${version}/${name}">`)
    .join('\n');
  const page = readFileSync(join(WEB_DIR, 'index.html'), 'utf8')
    .replace('%MODULE_PRELOADS%', preloads)
    .replaceAll('%ASSETS%', `/app/assets/${version}`);
  loaded = { version, page: webFile('index.html', new TextEncoder().encode(page)), assets };
  return loaded;
}

/** Brotli, else gzip, else none, as `Accept-Encoding` allows (`;q=0` refuses one). */
function encodingFor(accept: string | undefined): 'br' | 'gzip' | null {
  const accepted = (accept ?? '')
    .toLowerCase()
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => !/;\s*q=0(\.0*)?$/.test(entry))
    .map((entry) => entry.split(';')[0]?.trim());
  if (accepted.includes('br')) return 'br';
  if (accepted.includes('gzip')) return 'gzip';
  return null;
}

function send(c: Context<AppEnv>, file: WebFile, cacheControl: string): Response {
  c.header('Cache-Control', cacheControl);
  c.header('ETag', file.etag);
  c.header('Vary', 'Accept-Encoding');
  const known = (c.req.header('If-None-Match') ?? '').split(',').map((tag) => tag.trim());
  if (known.includes(file.etag) || known.includes('*')) return c.body(null, 304);
  const encoding = encodingFor(c.req.header('Accept-Encoding'));
  if (encoding) c.header('Content-Encoding', encoding);
  return c.body(encoding ? file[encoding] : file.identity, 200, { 'Content-Type': file.type });
}

/** `GET /app`: the web chat client, which uses only the public API; `GET /` leads there. */
export function appRoutes(app: OpenAPIHono<AppEnv>): void {
  app.get('/', (c) => c.redirect('/app', 302));

  app.get('/app', (c) => {
    c.header('Content-Security-Policy', PAGE_CSP);
    return send(c, webClient().page, 'no-cache');
  });

  app.get('/app/assets/:version/:file', (c, next) => {
    const { version, file } = c.req.param();
    const client = webClient();
    const asset = client.assets.get(file);
    if (version !== client.version || !asset) return next();
    return send(c, asset, IMMUTABLE);
  });
}
