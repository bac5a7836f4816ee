import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { runWrk, startBenchService, redisUrl } from './service.ts';

const svc = await startBenchService({ name: 'x', cwd: process.cwd(), mode: 'postgres', rooms: 8, history: 200 });
const dir = mkdtempSync(join(tmpdir(), 'x-'));
const script = join(dir, 'r.lua');
writeFileSync(script, [
  'wrk.method = "POST"',
  `wrk.body = ${JSON.stringify(JSON.stringify({ content: 'Hello there' }))}`,
  'wrk.headers["Content-Type"] = "application/json"',
  `wrk.headers["Authorization"] = "Bearer ${svc.token}"`,
  `local paths = { ${svc.roomIds.map((r) => JSON.stringify(`/chatroom/${r}/message`)).join(', ')} }`,
  'local i = 0',
  'request = function() i = i + 1; return wrk.format(nil, paths[(i % #paths) + 1]) end',
].join('\n'));
const redis = new Redis(redisUrl);
const stats = async () => {
  const info = await redis.info('commandstats');
  const m = new Map<string, number>();
  for (const line of info.split('\n')) {
    const r = /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/.exec(line);
    if (r) m.set(r[1]!, Number(r[2]));
  }
  return m;
};
await runWrk(['-t1', '-c32', '-d3s', '-s', script, svc.base]);
const before = await stats();
const out = await runWrk(['-t1', '-c32', `-d${process.env.SECS ?? 10}s`, '-s', script, svc.base]);
const after = await stats();
const n = Number(/(\d+) requests in/.exec(out)?.[1]);
console.log(out.split('\n').filter((l) => /Requests\/sec|requests in|Non-2xx/.test(l)).join('\n'));
for (const [k, v] of after) {
  const d = v - (before.get(k) ?? 0);
  if (d > 0) console.log(k.padEnd(20), (d / n).toFixed(2));
}
await redis.quit();
await svc.stop();
