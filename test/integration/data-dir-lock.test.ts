import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockDataDir } from '#adapters/persistence/postgres/data-dir-lock.ts';
import { tempDirPerTest } from '#test/support/temp-dir.ts';

describe("the embedded database's directory lock", () => {
  const dir = tempDirPerTest('data-dir-lock-');

  it('refuses a directory a running process holds', async () => {
    await writeFile(join(dir(), 'service.pid'), String(process.ppid));
    await expect(lockDataDir(dir())).rejects.toThrow(/in use by another process/);
  });

  it('takes over the lock of a process that is gone, and releases it', async () => {
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    await writeFile(join(dir(), 'service.pid'), String(gone));
    const release = await lockDataDir(dir());
    expect(await readFile(join(dir(), 'service.pid'), 'utf8')).toBe(String(process.pid));
    await release();
    await expect(readFile(join(dir(), 'service.pid'), 'utf8')).rejects.toThrow(/ENOENT/);
  });

  it('refuses a second claim from the same process until the first is released', async () => {
    const release = await lockDataDir(dir());
    await expect(lockDataDir(dir())).rejects.toThrow(/in use/);
    await release();
    await (await lockDataDir(dir()))();
  });
});
