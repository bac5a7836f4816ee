import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceProcess } from '#test/support/server-process.ts';

/** Resident set size of a process, in MB (Linux /proc). */
export function rssMb(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Math.round(Number(kb) / 1024);
}

/** CPU time (user + system) a process has used so far, in ms (Linux /proc, 100 ticks a second). */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of stat; 12 and 13 after "pid (comm) ".
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export interface Memory {
  rssMb: number;
  heapMb: number;
  /** Memory of C++ objects bound to JavaScript ones, Buffers included. */
  externalMb: number;
}

/** Asks a process started with bench/gc-on-signal.ts for a full GC; its memory after it. */
export async function memoryAfterGc(service: ServiceProcess): Promise<Memory> {
  const reports = () => [...service.output.matchAll(/bench-gc rss=(\d+) heapUsed=(\d+) external=(\d+)/g)];
  const before = reports().length;
  service.child.kill('SIGUSR2');
  while (reports().length === before) await sleep(20);
  const [, rss, heap, external] = reports().at(-1)!.map(Number) as number[];
  const mb = (bytes: number | undefined) => Math.round((bytes ?? Number.NaN) / 2 ** 20);
  return { rssMb: mb(rss), heapMb: mb(heap), externalMb: mb(external) };
}
