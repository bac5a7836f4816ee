/**
 * The references `npm run bench` measures the service against, one per process:
 *   REFERENCE=ideal: the ideal shape of a cached authenticated read: Hono on @hono/node-server, the bearer token
 *     verified by jsonwebtoken with a prebuilt KeyObject (HS256, issuer, audience), then one Redis GET of a key
 *     named after the token's subject, answered as JSON. What the service's cached GET /chatroom and GET /user/me
 *     could cost if auth, revocation and the read were each free of overhead.
 *   REFERENCE=hello: node:http answering "ok": the ceiling of this machine's HTTP stack.
 * PORT, JWT_SECRET, REDIS_URL and REFERENCE_KEY_PREFIX (the ideal shape reads `${prefix}${sub}`) configure it.
 */
import { createSecretKey } from 'node:crypto';
import { createServer } from 'node:http';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { Redis } from 'ioredis';
import jwt from 'jsonwebtoken';

const port = Number(process.env.PORT);

if (process.env.REFERENCE === 'hello') {
  createServer((_, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 2 });
    res.end('ok');
  }).listen(port, '127.0.0.1', () => console.log('ready'));
} else {
  const key = createSecretKey(Buffer.from(process.env.JWT_SECRET ?? '', 'utf8'));
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const prefix = process.env.REFERENCE_KEY_PREFIX ?? 'reference:';
  const options: jwt.VerifyOptions = {
    algorithms: ['HS256'],
    issuer: 'gemini-chat',
    audience: 'gemini-chat-api',
  };
  const app = new Hono();
  const cachedRead = async (c: import('hono').Context) => {
    const token = /^Bearer (.+)$/.exec(c.req.header('authorization') ?? '')?.[1];
    if (!token) return c.json({ status: 401 }, 401);
    let sub: string;
    try {
      sub = (jwt.verify(token, key, options) as { sub: string }).sub;
    } catch {
      return c.json({ status: 401 }, 401);
    }
    const body = await redis.get(`${prefix}${sub}`);
    if (body === null) return c.json({ status: 404 }, 404);
    return c.body(body, 200, { 'content-type': 'application/json' });
  };
  app.get('/chatroom', cachedRead);
  app.get('/user/me', cachedRead);
  serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => console.log('ready'));
}
