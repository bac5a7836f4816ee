import { relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BUNDLE_DIR, buildBundle, currentBundle } from './bundle.ts';

/**
 * What `npm start` and `npm run worker` run: the service from its bundle (see bundle.ts), bundled again first when
 * any of its files has changed since; from its sources (server.ts) when it cannot be bundled (a read-only
 * checkout, say) or SERVICE_BUNDLE=off. Tests run the sources, as `node src/bootstrap/server.ts` does.
 * `SERVICE_BUNDLE_DIR` puts the bundle somewhere other than `dist/`, inside the project: the packages left out of the
 * bundle are found from where it is (node_modules).
 */
const bundleDir = process.env.SERVICE_BUNDLE_DIR || BUNDLE_DIR;

/** A line as the service's logger writes its own (JSON, pino's levels), for what happens before the logger exists. */
function note(level: 30 | 40, msg: string): void {
  const quiet = level < 40 && ['warn', 'error', 'fatal', 'silent'].includes(process.env.LOG_LEVEL ?? '');
  if (!quiet)
    process.stdout.write(`${JSON.stringify({ level, time: Date.now(), service: 'gemini-chat', msg })}\n`);
}

const SOURCES = './server.ts';

async function entry(): Promise<string> {
  if (process.env.SERVICE_BUNDLE === 'off') return SOURCES;
  const current = currentBundle(bundleDir);
  if (current) return pathToFileURL(current).href;
  const started = performance.now();
  try {
    const built = await buildBundle(bundleDir);
    note(
      30,
      `bundled the service into ${relative(process.cwd(), built)} in ${Math.round(performance.now() - started)} ms (its files changed since the last bundle, or there was none)`,
    );
    return pathToFileURL(built).href;
  } catch (error) {
    note(
      40,
      `could not bundle the service (${error instanceof Error ? error.message : String(error)}); running it from its sources`,
    );
    return SOURCES;
  }
}

const chosen = await entry();
note(
  30,
  chosen === SOURCES
    ? 'running the service from its sources'
    : `running the service from ${relative(process.cwd(), fileURLToPath(chosen))}`,
);
await import(chosen);
