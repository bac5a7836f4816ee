import { readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import type { Plugin } from 'esbuild';

/**
 * The service as a bundle (`npm start` runs it; see start.ts). Node's module loader spends most of a start on the
 * service's ~1,400 modules one by one (resolving, reading, linking: ~1 s of the main thread on a 2-core machine,
 * even with the compile cache), and the same code as a few dozen files loads in a fraction of it. esbuild writes
 * the bundle into its own directory under `dist/` (chunks, one per dynamic import, so what the service loads
 * lazily is still loaded lazily), then `dist/manifest.json` names it with the files it was built from, each with
 * its time and size; a start whose files are all as they were runs it, any other bundles again first.
 *
 * Left outside the bundle, loaded from node_modules as before: PGlite (it reads its WebAssembly and data files next
 * to its own module), argon2 (a native addon), swagger-ui-dist (served from its folder), pg-native (optional, not
 * installed). The service's own files that locate something by `import.meta` (its migrations, the embedded
 * template, the web client, the PGlite thread's module) keep locating it in `src/`: the bundle rewrites
 * `import.meta.url` and `import.meta.dirname` in them to the source file's, relative to the chunk.
 */

const ROOT = resolve(import.meta.dirname, '../..');
export const BUNDLE_DIR = join(ROOT, 'dist');
/** Builds kept besides the current one: a process started from an older build may still import its lazy chunks. */
const KEEP_BUILDS = 3;
const EXTERNAL = [
  '@electric-sql/pglite',
  '@node-rs/argon2',
  'swagger-ui-dist',
  'pg-native',
  'ioredis',
  'bullmq',
  'pino',
];

/** `dist/manifest.json`: the current build and what it was built from. */
interface Manifest {
  /** The build's directory, under the bundle directory. */
  build: string;
  /** The entry module, relative to the build's directory. */
  entry: string;
  /**
   * Every file the bundle holds, this file (the recipe) and package.json, relative to the project root, with its
   * modification time (ms) and size as they were when the bundle was made (-1, -1: changed while it was made).
   */
  inputs: Record<string, [mtimeMs: number, size: number]>;
}

/**
 * The entry of the current bundle in `bundleDir`, or undefined when there is none or it is stale: one of its
 * files has another modification time or size than when it was bundled, or is gone. Any other time, not only a
 * later one: a deployment that copies files with their times kept (`rsync -a`, `tar`) may bring an older one.
 * Synchronous and light: one stat per input (~1,900, ~30 ms).
 */
export function currentBundle(bundleDir = BUNDLE_DIR, root = ROOT): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(join(bundleDir, 'manifest.json'), 'utf8')) as Manifest;
    const entry = join(bundleDir, manifest.build, manifest.entry);
    if (!statSync(entry, { throwIfNoEntry: false })) return undefined;
    for (const [input, [mtimeMs, size]] of Object.entries(manifest.inputs)) {
      const now = statSync(join(root, input), { throwIfNoEntry: false });
      if (now?.mtimeMs !== mtimeMs || now.size !== size) return undefined;
    }
    return entry;
  } catch {
    // None, unreadable, or not this shape (an older manifest): bundle again.
    return undefined;
  }
}

/**
 * Bundles the service into a new build directory under `bundleDir`, makes it the current one (the manifest is
 * replaced by a rename, so a concurrent start reads the old one or the new one, whole), removes all but the
 * newest KEEP_BUILDS others, and returns its entry.
 */
export async function buildBundle(bundleDir = BUNDLE_DIR, root = ROOT): Promise<string> {
  const { build } = await import('esbuild');
  const startedAt = Date.now();
  const name = `build-${startedAt.toString(36)}-${process.pid}`;
  const outdir = join(bundleDir, name);
  await mkdir(outdir, { recursive: true });
  const result = await build({
    entryPoints: { server: join(root, 'src/bootstrap/server.ts') },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    // Class and function names as written: MikroORM finds its extensions by name, and stack traces stay readable.
    keepNames: true,
    external: EXTERNAL,
    // Bundled CommonJS modules call require() for Node's own modules.
    banner: {
      js: "import { createRequire as __require_of } from 'node:module'; const require = __require_of(import.meta.url);",
    },
    metafile: true,
    // Each chunk names its map: `NODE_OPTIONS=--enable-source-maps` turns stack traces back into src/ lines.
    sourcemap: 'linked',
    logLevel: 'silent',
    plugins: [sourceLocations(outdir, root)],
  });
  const inputs: Manifest['inputs'] = {};
  // Besides the bundled files: this recipe, and package.json (its `imports` map decides what `#…` resolves to).
  for (const input of [
    ...Object.keys(result.metafile.inputs),
    relative(root, import.meta.filename),
    'package.json',
  ]) {
    const { mtimeMs, size } = await stat(join(root, input));
    // Changed since the build began: the bundle may hold the file as it was, so the next start bundles again.
    inputs[input] = mtimeMs > startedAt ? [-1, -1] : [mtimeMs, size];
  }
  const manifest: Manifest = { build: name, entry: 'server.js', inputs };
  const next = join(bundleDir, `manifest.json.${process.pid}`);
  await writeFile(next, JSON.stringify(manifest));
  await rename(next, join(bundleDir, 'manifest.json'));
  await removeOldBuilds(bundleDir, name);
  return join(outdir, manifest.entry);
}

/** esbuild's plugin for the service's own files: `import.meta.url`/`dirname` as the source file's, from the chunk. */
function sourceLocations(outdir: string, root: string): Plugin {
  const sources = join(root, 'src');
  return {
    name: 'source-locations',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, async ({ path }) => {
        let contents = await readFile(path, 'utf8');
        if (path.startsWith(sources) && contents.includes('import.meta.')) {
          const file = JSON.stringify(relative(outdir, path));
          const folder = JSON.stringify(relative(outdir, dirname(path)));
          contents = contents
            .replaceAll('import.meta.url', `new URL(${file}, import.meta.url).href`)
            .replaceAll(
              'import.meta.dirname',
              `process.getBuiltinModule('node:path').resolve(import.meta.dirname, ${folder})`,
            );
        }
        return { contents, loader: 'ts' };
      });
    },
  };
}

async function removeOldBuilds(bundleDir: string, current: string): Promise<void> {
  const builds = [];
  for (const entry of await readdir(bundleDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !entry.name.startsWith('build-') || entry.name === current) continue;
    const { mtimeMs } = await stat(join(bundleDir, entry.name)).catch(() => ({ mtimeMs: 0 }));
    builds.push({ name: entry.name, mtimeMs });
  }
  builds.sort((a, b) => b.mtimeMs - a.mtimeMs);
  for (const { name } of builds.slice(KEEP_BUILDS))
    await rm(join(bundleDir, name), { recursive: true, force: true });
}

if (import.meta.main) {
  const started = performance.now();
  const entry = await buildBundle();
  console.log(
    `bundled the service into ${relative(process.cwd(), entry)} in ${Math.round(performance.now() - started)} ms`,
  );
}
