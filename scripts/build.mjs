/**
 * Compiles the app into one ES module, dist/main.mjs, with esbuild (npm packages stay imports). `npm start` runs it
 * first (as `prestart`), so nobody has a build step to remember, and the running app needs no TypeScript loader: the
 * loader's worker thread and transform caches would cost about 35 MB of memory and slow every start.
 */
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Bundles `entry` (relative to the project) into `outfile`: the app, or the benchmark's app process. */
async function bundle(entry, outfile) {
  await build({
    entryPoints: [join(root, entry)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20.18',
    packages: 'external',
    sourcemap: true,
    logLevel: 'warning',
  });
}

// `node scripts/build.mjs [entry outfile]`: the app by default.
const [entry = 'src/main.ts', outfile = join(root, 'dist', 'main.mjs')] = process.argv.slice(2);
await bundle(entry, outfile);
