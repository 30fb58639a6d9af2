#!/usr/bin/env node
/**
 * Compiles the `pythia` command ahead of time: src/cli/main.ts and everything it imports become
 * plain JavaScript under build/cli/ (esbuild: bundled, tree-shaken, one chunk per command, so that
 * a command loads its own code alone and `pythia --help` loads almost nothing). `npm install` runs
 * it (the `prepare` script), `npm run build` too; it takes a few seconds. No type check here:
 * `npm run typecheck` does that. build/ is ignored by git; nothing else in the repository is written.
 *
 * Native addons and the server libraries (fastify, the MQTT broker) stay in node_modules, loaded
 * as they are. A file that a module opens beside itself (`new URL('./x', import.meta.url)`) is
 * copied to where the bundled module will look for it; a reference that cannot be served that way
 * fails the build.
 *
 * build/.source-hash records what the build was made from (src/, the lock file, this script).
 * `--if-stale` rebuilds only when that changed: the test kits run it before they start the CLI, so
 * a test never runs a build older than the code it tests (docs/architecture.md, "The compiled CLI").
 * The new build is made beside the old one and swapped in by two renames: a `pythia` that starts
 * meanwhile sees the old build or the new one, never half of one.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildConsole, consoleInputFiles } from './build-console.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const sourceDir = join(root, 'src');
const buildDir = join(root, 'build');
const HASH_FILE = '.source-hash';
/** Kept out of the bundle: native addons, and servers whose packages load files of their own. */
const EXTERNAL = [
  'better-sqlite3',
  'secp256k1',
  'keccak',
  'node-gyp-build',
  '@foundry-rs/*',
  'fastify',
  '@fastify/*',
  'aedes',
  'mqtt',
  'ajv',
  'tsx',
  'esbuild',
];

/** The packages the compiled CLI needs at run time, for src/cli/install.test.ts: none may be development-only. */
const PACKAGES_FILE = 'packages.json';
/** The same for the console's build (beside build/console, not in it: the gateway serves that folder). */
const CONSOLE_PACKAGES_FILE = 'console.packages.json';

/**
 * The npm packages a build needs at run time: those esbuild bundled (from its inputs) and those the
 * bundle imports from node_modules (externals), sorted.
 */
function packagesOf(metafile) {
  const packageOf = (specifier) => /^(@[^/]+\/)?[^/]+/.exec(specifier)[0];
  const bundled = Object.keys(metafile.inputs).flatMap((path) => {
    const match = /.*node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
    return match ? [match[1]] : [];
  });
  const loaded = Object.values(metafile.outputs).flatMap((output) =>
    output.imports
      .filter((imported) => imported.external && !imported.path.startsWith('node:') && !builtinModules.includes(imported.path))
      .map((imported) => packageOf(imported.path)),
  );
  return [...new Set([...bundled, ...loaded])].sort();
}

/** What a build is made from: every file of src/ but the tests, the lock file, and this script. */
function inputFiles(dir = sourceDir, files = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) inputFiles(path, files);
    else if (!entry.name.endsWith('.test.ts')) files.push(path);
  }
  return files;
}

function inputHash() {
  const files = [
    ...inputFiles(),
    ...consoleInputFiles(root),
    join(root, 'package-lock.json'),
    fileURLToPath(import.meta.url),
    join(root, 'scripts', 'build-console.mjs'),
  ].sort();
  const hash = createHash('sha256');
  for (const file of files) hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

function builtHash() {
  try {
    return readFileSync(join(buildDir, HASH_FILE), 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * The files that bundled modules open relative to themselves, as [source, copy] pairs: a module of
 * src/ now runs from build/cli/, so `new URL('./x.mjs', import.meta.url)` needs x.mjs there.
 * A reference that leads to the same place from both (package.json) needs nothing.
 */
function besideFiles(inputs, outDir) {
  const pairs = [];
  for (const input of inputs) {
    const text = readFileSync(input, 'utf8');
    for (const match of text.matchAll(/new URL\(\s*'([^']+)'\s*,\s*import\.meta\.url\s*\)/g)) {
      const fromSource = resolve(dirname(input), match[1]);
      const fromBuild = resolve(outDir, match[1]);
      if (fromSource === fromBuild) continue;
      if (!fromSource.startsWith(sourceDir) || !fromBuild.startsWith(outDir))
        throw new Error(`${relative(root, input)} opens ${match[1]} beside itself, which the compiled CLI cannot serve`);
      pairs.push([fromSource, fromBuild]);
    }
  }
  return pairs;
}

async function build(hash) {
  const { build: esbuild } = await import('esbuild');
  const staging = join(root, `build.tmp-${process.pid}`);
  const outDir = join(staging, 'cli');
  rmSync(staging, { recursive: true, force: true });
  try {
    const result = await esbuild({
      entryPoints: [join(sourceDir, 'cli', 'main.ts')],
      outdir: outDir,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      chunkNames: '[name]-[hash]',
      external: EXTERNAL,
      // Bundled CommonJS modules call require() for Node's own modules; ES modules have none.
      banner: { js: "import { createRequire as __pythiaRequire } from 'node:module'; const require = __pythiaRequire(import.meta.url);" },
      metafile: true,
      logLevel: 'warning',
    });
    const inputs = Object.keys(result.metafile.inputs)
      .map((path) => resolve(root, path))
      .filter((path) => path.startsWith(sourceDir));
    for (const [source, copy] of besideFiles(inputs, outDir)) {
      mkdirSync(dirname(copy), { recursive: true });
      copyFileSync(source, copy);
    }
    writeFileSync(join(outDir, PACKAGES_FILE), `${JSON.stringify(packagesOf(result.metafile), null, 2)}\n`);
    const consoleStarted = performance.now();
    const built = await buildConsole(root, join(staging, 'console'));
    writeFileSync(join(staging, CONSOLE_PACKAGES_FILE), `${JSON.stringify(packagesOf(built.metafile), null, 2)}\n`);
    process.stderr.write(
      `pythia: built the console into build/console in ${Math.round(performance.now() - consoleStarted)} ms (${built.files.join(', ')}: ${Math.round(built.bytes / 1024)} KiB)\n`,
    );
    writeFileSync(join(staging, HASH_FILE), `${hash}\n`);
    const old = join(root, `build.old-${process.pid}`);
    if (existsSync(buildDir)) renameSync(buildDir, old);
    renameSync(staging, buildDir);
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

const ifStale = process.argv.includes('--if-stale');
const hash = inputHash();
if (!(ifStale && builtHash() === hash)) {
  const started = performance.now();
  await build(hash);
  process.stderr.write(`pythia: compiled src/cli into build/cli in ${Math.round(performance.now() - started)} ms\n`);
}
