import { mkdirSync, writeFileSync } from 'node:fs';
import { access, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { brotliDecompress } from 'node:zlib';

/**
 * A prepared data directory of the embedded database: PGlite's initdb and every migration of the day, applied and
 * cleanly shut down, as a brotli-compressed tar (`npm run embedded:template` writes it). A first start copies it into
 * an empty DATA_DIR instead of running initdb, which takes seconds; the migrations added since are applied after.
 */
export const TEMPLATE_DIR = join(import.meta.dirname, 'embedded-template');
export const TEMPLATE_TAR = join(TEMPLATE_DIR, 'pgdata.tar.br');
export const TEMPLATE_MANIFEST = join(TEMPLATE_DIR, 'manifest.json');

/** What the template holds: the PGlite release that made it (its files are that release's) and the migrations applied. */
export interface TemplateManifest {
  pglite: string;
  migrations: string[];
}

/** The version of the installed @electric-sql/pglite (its package.json is not exported, so it is read from its folder). */
export async function installedPgliteVersion(): Promise<string> {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  let dir = dirname(entry);
  for (;;) {
    const manifest = await readFile(join(dir, 'package.json'), 'utf8').then(
      (text) => JSON.parse(text) as { name?: string; version?: string },
      () => undefined,
    );
    if (manifest?.name === '@electric-sql/pglite' && manifest.version) return manifest.version;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json of @electric-sql/pglite above ${entry}`);
    dir = parent;
  }
}

export async function readTemplateManifest(): Promise<TemplateManifest | undefined> {
  return readFile(TEMPLATE_MANIFEST, 'utf8').then(
    (text) => JSON.parse(text) as TemplateManifest,
    () => undefined,
  );
}

/** Whether `path` holds a database already (initdb writes PG_VERSION; the template's copy writes it last). */
export async function holdsDatabase(path: string): Promise<boolean> {
  return access(join(path, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
}

/**
 * Copies the template into `path` (which holds no database yet) when it was made by the installed PGlite release;
 * false when there is no usable template (the caller lets PGlite run initdb instead). PG_VERSION is written last,
 * so an interrupted copy is not taken for a database at the next start: it is copied again.
 */
export async function copyTemplate(path: string): Promise<boolean> {
  const manifest = await readTemplateManifest();
  if (!manifest || manifest.pglite !== (await installedPgliteVersion())) return false;
  // Off the main thread, in a few large chunks (the default 16 KiB ones cost twice the time in callbacks).
  const tar = await promisify(brotliDecompress)(await readFile(TEMPLATE_TAR), { chunkSize: 1 << 24 });
  const entries = readTar(tar);
  const version = entries.find((entry) => entry.type === 'file' && entry.name === 'PG_VERSION');
  if (!version) throw new Error(`${TEMPLATE_TAR} holds no PG_VERSION`);
  // Synchronous writes: a thousand small files go about twice as fast as through the thread pool.
  for (const entry of entries)
    if (entry.type === 'directory') mkdirSync(inside(path, entry.name), { recursive: true, mode: 0o700 });
  for (const entry of entries)
    if (entry.type === 'file' && entry !== version)
      writeFileSync(inside(path, entry.name), entry.data, { mode: 0o600 });
  writeFileSync(inside(path, version.name), version.data, { mode: 0o600 });
  return true;
}

/** `name` under `root`, refusing a name that would leave it. */
function inside(root: string, name: string): string {
  const path = resolve(root, name);
  if (!path.startsWith(`${resolve(root)}${sep}`)) throw new Error(`${name} is outside the data directory`);
  return path;
}

export interface TarEntry {
  name: string;
  type: 'file' | 'directory';
  data: Uint8Array;
}

const BLOCK = 512;

function field(header: Buffer, offset: number, length: number): string {
  const bytes = header.subarray(offset, offset + length);
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end < 0 ? length : end).toString('utf8');
}

function checksum(header: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return sum;
}

/** The regular files and directories of a ustar archive (what writeTar writes). */
export function readTar(tar: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  for (let offset = 0; offset + BLOCK <= tar.length; ) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) break;
    if (field(header, 257, 6) !== 'ustar' || Number.parseInt(field(header, 148, 8), 8) !== checksum(header))
      throw new Error(`not a ustar header at byte ${offset}`);
    const prefix = field(header, 345, 155);
    const name = `${prefix ? `${prefix}/` : ''}${field(header, 0, 100)}`.replace(/\/$/, '');
    const size = Number.parseInt(field(header, 124, 12).trim() || '0', 8);
    const typeflag = String.fromCharCode(header[156]!);
    const data = tar.subarray(offset + BLOCK, offset + BLOCK + size);
    if (typeflag === '5') entries.push({ name, type: 'directory', data });
    else if (typeflag === '0' || typeflag === '\0') entries.push({ name, type: 'file', data });
    else throw new Error(`${name}: unexpected tar entry type ${JSON.stringify(typeflag)}`);
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  return entries;
}

function octal(value: number, length: number): string {
  return `${value.toString(8).padStart(length - 1, '0')}\0`;
}

/** A ustar archive of `entries` (names relative, '/'-separated; directories before what they hold). */
export function writeTar(entries: TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const header = Buffer.alloc(BLOCK);
    let name = entry.type === 'directory' ? `${entry.name}/` : entry.name;
    let prefix = '';
    if (Buffer.byteLength(name) > 100) {
      const cut = name.lastIndexOf('/', name.length - 2);
      prefix = name.slice(0, cut);
      name = name.slice(cut + 1);
      if (cut < 0 || Buffer.byteLength(name) > 100 || Buffer.byteLength(prefix) > 155)
        throw new Error(`${entry.name}: name too long for ustar`);
    }
    const size = entry.type === 'file' ? entry.data.length : 0;
    header.write(name, 0, 100, 'utf8');
    header.write(octal(entry.type === 'directory' ? 0o700 : 0o600, 8), 100, 'ascii');
    header.write(octal(0, 8), 108, 'ascii');
    header.write(octal(0, 8), 116, 'ascii');
    header.write(octal(size, 12), 124, 'ascii');
    header.write(octal(0, 12), 136, 'ascii');
    header.write(entry.type === 'directory' ? '5' : '0', 156, 'ascii');
    header.write('ustar', 257, 'ascii');
    header.write('00', 263, 'ascii');
    header.write(prefix, 345, 155, 'utf8');
    header.write(`${checksum(header).toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
    blocks.push(header);
    if (size > 0) {
      blocks.push(Buffer.from(entry.data.buffer, entry.data.byteOffset, size));
      if (size % BLOCK) blocks.push(Buffer.alloc(BLOCK - (size % BLOCK)));
    }
  }
  blocks.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(blocks);
}
