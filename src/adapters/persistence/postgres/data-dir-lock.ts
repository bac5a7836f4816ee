import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const lockedHere = new Set<string>();

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Claims the embedded database's directory for this process: two PGlite instances on one directory corrupt it,
 * and PGlite does not check. A lock left by a process that is gone is taken over. Returns the release.
 */
export async function lockDataDir(path: string): Promise<() => Promise<void>> {
  const lockFile = join(path, 'service.pid');
  const inUse = () =>
    new Error(
      `The embedded database at ${path} is in use by another process; stop it, or set DATABASE_URL to share a PostgreSQL server`,
    );
  if (lockedHere.has(path)) throw inUse();
  try {
    await writeFile(lockFile, String(process.pid), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const holder = Number.parseInt(await readFile(lockFile, 'utf8'), 10);
    // Our own pid in the file is a previous run's (a container restarts as the same pid), as this process holds no lock.
    if (holder !== process.pid && isRunning(holder)) throw inUse();
    await writeFile(lockFile, String(process.pid));
  }
  lockedHere.add(path);
  return async () => {
    lockedHere.delete(path);
    await rm(lockFile, { force: true });
  };
}
