import { chmod, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ownerOnlyDirectory } from '#adapters/persistence/postgres/owner-only-directory.ts';
import { tempDirPerTest } from '#test/support/temp-dir.ts';

const permissions = async (path: string) => (await stat(path)).mode & 0o777;

describe("the embedded database's directory", () => {
  const parent = tempDirPerTest('data-dir-mode-');

  it('is created readable by its owner only, missing parents included', async () => {
    const dataDir = join(parent(), 'nested', 'data');
    await ownerOnlyDirectory(dataDir);
    expect(await permissions(dataDir)).toBe(0o700);
    expect(await permissions(join(parent(), 'nested'))).toBe(0o700);
  });

  it('is tightened to owner-only when it already exists with wider permissions', async () => {
    const dataDir = join(parent(), 'data');
    await mkdir(dataDir);
    await chmod(dataDir, 0o755);
    await ownerOnlyDirectory(dataDir);
    expect(await permissions(dataDir)).toBe(0o700);
  });
});
