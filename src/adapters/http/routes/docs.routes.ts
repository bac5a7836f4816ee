import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { OpenAPIHono } from '@hono/zod-openapi';
import swaggerUi from 'swagger-ui-dist/package.json' with { type: 'json' };
import type { AppEnv } from '../auth-middleware.ts';

/** Swagger UI's files, served by this service itself: the reference page works without internet. */
const SWAGGER_UI_DIR = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const ASSETS = `/docs/assets/${swaggerUi.version}`;
const ASSET_TYPES: Record<string, string> = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};
/** The version is in the asset paths, so a browser may keep them until Swagger UI is upgraded. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** Nothing but this service (and data: images, the stylesheet's icons): no CDN, no inline script, no validator badge. */
const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gemini-style chat API reference</title>
<link rel="stylesheet" href="${ASSETS}/swagger-ui.css">
<link rel="stylesheet" href="${ASSETS}/index.css">
<link rel="icon" type="image/png" href="${ASSETS}/favicon-32x32.png" sizes="32x32">
<link rel="icon" type="image/png" href="${ASSETS}/favicon-16x16.png" sizes="16x16">
</head>
<body>
<div id="swagger-ui"></div>
<noscript>This page needs JavaScript; the OpenAPI document itself is at <a href="/openapi.json">/openapi.json</a>.</noscript>
<script src="${ASSETS}/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;

/** Served as a file because the page's CSP allows no inline script. */
const INIT_SCRIPT = `window.ui = SwaggerUIBundle({
  url: '/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  presets: [SwaggerUIBundle.presets.apis],
  layout: 'BaseLayout',
});
`;

const loaded = new Map<string, Promise<Uint8Array<ArrayBuffer>>>();
function asset(file: string): Promise<Uint8Array<ArrayBuffer>> {
  let content = loaded.get(file);
  if (!content) {
    content = readFile(join(SWAGGER_UI_DIR, file)).then((buffer) => new Uint8Array(buffer));
    loaded.set(file, content);
  }
  return content;
}

/** `GET /docs`: an interactive reference for `/openapi.json` (Swagger UI). Unknown assets fall through to 404. */
export function docsRoutes(app: OpenAPIHono<AppEnv>): void {
  app.get('/docs', (c) => {
    c.header('Content-Security-Policy', PAGE_CSP);
    c.header('Cache-Control', 'no-cache');
    return c.html(PAGE);
  });

  app.get('/docs/init.js', (c) => {
    c.header('Cache-Control', 'no-cache');
    return c.body(INIT_SCRIPT, 200, { 'Content-Type': 'text/javascript; charset=utf-8' });
  });

  app.get('/docs/assets/:version/:file', async (c, next) => {
    const { version, file } = c.req.param();
    const type = ASSET_TYPES[file];
    if (version !== swaggerUi.version || !type) return next();
    c.header('Cache-Control', IMMUTABLE);
    return c.body(await asset(file), 200, { 'Content-Type': type });
  });
}
