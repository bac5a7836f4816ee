import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { runWrk, startBenchService } from './service.ts';

const s = await startBenchService({
  name: 'mem',
  cwd: process.cwd(),
  mode: 'postgres',
  nodeArgs: [
    ...(process.env.MEM_ARGS ?? '').split(' ').filter(Boolean),
    '--import',
    'file:///work/tmp/memprobe.mjs',
  ],
});
const snap = async (label: string) => {
  process.kill(s.pid, 'SIGUSR2');
  await sleep(300);
  const t = readFileSync(`/work/tmp/mem-${s.pid}.txt`, 'utf8');
  writeFileSync(`/work/tmp/mem-${s.pid}.txt`, '');
  console.log(`== ${label}\n${t}`);
  const sm = readFileSync(`/proc/${s.pid}/smaps_rollup`, 'utf8');
  console.log(
    sm
      .split('\n')
      .filter((l) => /^(Rss|Anonymous|Private_Clean|Shared_Clean|Private_Dirty)/.test(l))
      .join(' | '),
  );
};
await sleep(2000);
await snap('idle');
writeFileSync(
  '/work/tmp/req.lua',
  `wrk.method = "GET"\nwrk.headers["Authorization"] = "Bearer ${s.token}"\n`,
);
await runWrk(['-t1', '-c50', '-d5s', '-s', '/work/tmp/req.lua', `${s.base}/chatroom`]);
await snap('after list');
writeFileSync(
  '/work/tmp/send.lua',
  `wrk.method = "POST"\nwrk.body = '{"content":"hello"}'\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["Authorization"] = "Bearer ${s.token}"\n`,
);
await runWrk([
  '-t1',
  '-c32',
  '-d10s',
  '-s',
  '/work/tmp/send.lua',
  `${s.base}/chatroom/${s.roomIds[0]}/message`,
]);
await snap('after sends');
await s.stop();
