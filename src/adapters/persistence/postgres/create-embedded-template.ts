import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { brotliCompressSync, constants } from 'node:zlib';
import { MikroORM } from '@mikro-orm/postgresql';
import { embeddedPostgres } from './embedded-postgres.ts';
import {
  installedPgliteVersion,
  type TarEntry,
  TEMPLATE_DIR,
  TEMPLATE_MANIFEST,
  TEMPLATE_TAR,
  type TemplateManifest,
  writeTar,
} from './embedded-template.ts';
import { ormOptions } from './orm-options.ts';

/**
 * `npm run embedded:template`: runs PGlite's initdb in a scratch directory, applies every committed migration, shuts
 * the database down cleanly, and writes its files as the template a first start copies (embedded-template.ts), with
 * the manifest of what it holds. Run it after adding a migration or upgrading @electric-sql/pglite (a test fails
 * until then).
 */
async function entries(root: string, dir = root): Promise<TarEntry[]> {
  const found: TarEntry[] = [];
  const children = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const child of children) {
    const path = join(dir, child.name);
    const name = relative(root, path).split('\\').join('/');
    if (child.isDirectory()) {
      found.push({ name, type: 'directory', data: new Uint8Array() });
      found.push(...(await entries(root, path)));
    } else if (child.isFile()) {
      found.push({ name, type: 'file', data: await readFile(path) });
    } else {
      throw new Error(`${path}: neither a file nor a directory`);
    }
  }
  return found;
}

const scratch = await mkdtemp(join(tmpdir(), 'embedded-template-'));
try {
  const pgdata = join(scratch, 'pgdata');
  const { options } = await embeddedPostgres(pgdata, { template: false });
  const orm = await MikroORM.init(ormOptions(options));
  let migrations: string[];
  try {
    await orm.migrator.up();
    migrations = (await orm.migrator.getExecuted()).map((migration) => migration.name);
  } finally {
    // A clean shutdown (and the lock file removed): the copy starts without recovery.
    await orm.close();
  }
  const tar = writeTar(await entries(pgdata));
  const compressed = brotliCompressSync(tar, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_LGWIN]: constants.BROTLI_MAX_WINDOW_BITS,
      [constants.BROTLI_PARAM_SIZE_HINT]: tar.length,
    },
  });
  const manifest: TemplateManifest = { pglite: await installedPgliteVersion(), migrations };
  await mkdir(TEMPLATE_DIR, { recursive: true });
  await writeFile(TEMPLATE_TAR, compressed);
  await writeFile(TEMPLATE_MANIFEST, `${JSON.stringify(manifest, null, 2)}\n`);
  const kib = (bytes: number) => `${Math.round(bytes / 1024)} KiB`;
  console.log(
    `Wrote ${relative(process.cwd(), TEMPLATE_TAR)} (${kib(tar.length)} → ${kib(compressed.length)}): PGlite ${manifest.pglite}, ${migrations.length} migrations`,
  );
} finally {
  await rm(scratch, { recursive: true, force: true });
}
