/**
 * Builds the council console (console/: React + TypeScript) into `<outDir>`: index.html, app.js and
 * app.css, bundled and minified by esbuild. esbuild, react and react-dom are dependencies (not
 * development ones), so `npm install --omit=dev` builds the console too: `pythia up` and
 * `pythia demo` serve it without any development package. Nothing is fetched from the internet,
 * at build time or in the browser (docs/console.md). Called by build-cli.mjs into its staging folder.
 */
import { copyFileSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** @returns {Promise<{ bytes: number, files: string[], metafile: object }>} */
export async function buildConsole(root, outDir) {
  const { build } = await import('esbuild');
  const consoleDir = join(root, 'console');
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    entryPoints: { app: join(consoleDir, 'src', 'main.tsx') },
    outdir: outDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    jsx: 'automatic',
    minify: true,
    legalComments: 'linked',
    define: { 'process.env.NODE_ENV': '"production"' },
    metafile: true,
    logLevel: 'warning',
  });
  copyFileSync(join(consoleDir, 'index.html'), join(outDir, 'index.html'));
  const files = readdirSync(outDir).sort();
  return { bytes: files.reduce((sum, file) => sum + statSync(join(outDir, file)).size, 0), files, metafile: result.metafile };
}

/** The console's sources, for the build's input hash. */
export function consoleInputFiles(root, dir = join(root, 'console'), files = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) consoleInputFiles(root, path, files);
    else files.push(path);
  }
  return files;
}
