import { chmod, mkdir } from 'node:fs/promises';

/**
 * Creates the directory (and missing parents) readable by its owner only, and tightens it to 0700 when it exists,
 * as initdb does: the embedded database's files hold every user's data.
 */
export async function ownerOnlyDirectory(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  await chmod(path, 0o700);
}
