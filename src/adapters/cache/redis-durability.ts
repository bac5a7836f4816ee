import type { Redis } from 'ioredis';

/**
 * What the Redis server's own settings risk for the queue: without AOF or RDB snapshots a restart empties it
 * (queued reply jobs are lost: the reconciler re-enqueues them, later), and any eviction policy but `noeviction`
 * may drop BullMQ's keys under memory pressure. Empty when the settings are safe; one line per risk otherwise.
 */
export async function redisDurabilityWarnings(client: Redis): Promise<string[]> {
  let settings: Map<string, string>;
  try {
    const pairs = (await client.config('GET', 'appendonly', 'save', 'maxmemory-policy')) as string[];
    settings = new Map();
    for (let i = 0; i + 1 < pairs.length; i += 2) settings.set(pairs[i]!, pairs[i + 1]!);
  } catch {
    return [
      'could not read the Redis configuration (CONFIG GET is refused): check persistence and eviction by hand',
    ];
  }
  const warnings: string[] = [];
  const aof = settings.get('appendonly') === 'yes';
  const snapshots = (settings.get('save') ?? '').trim() !== '';
  if (!aof && !snapshots) {
    warnings.push(
      'Redis keeps nothing on disk (appendonly no, save ""): a restart loses queued reply jobs (the reconciler re-enqueues them)',
    );
  }
  const policy = settings.get('maxmemory-policy');
  if (policy !== undefined && policy !== 'noeviction') {
    warnings.push(
      `Redis maxmemory-policy is ${policy}: under memory pressure it may evict queue keys; use noeviction`,
    );
  }
  return warnings;
}
