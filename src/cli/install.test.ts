import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { pythiaBin } from '../testing/pythiaBin.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));

/**
 * The Node versions the project runs on and tests (.ci/run on Node 20, scripts/test-on-node22.sh):
 * @noble needs 20.19 (require of ES modules), the development tools 22.13.
 */
const SUPPORTED_NODE = '^20.19.0 || ^22.13.0';

/**
 * Packages the build takes in when they are installed but that the code runs without: `debug` (under
 * @ethereumjs/mpt) asks for supports-color (and it for has-flag) inside a try/catch.
 */
const OPTIONAL_AT_RUN_TIME = new Set(['supports-color', 'has-flag']);

/**
 * What `npm install` does in a fresh clone (README, "Installing"): no engine warning on a supported
 * Node version, and no file of the repository changed.
 */
describe('installing the package', () => {
  it('installs nothing whose engines refuse a supported Node version', () => {
    assert.ok(semver.subset(SUPPORTED_NODE, manifest.engines.node), `package.json engines.node ${manifest.engines.node}`);
    const supported = SUPPORTED_NODE;
    const refusing = Object.entries(lock.packages as Record<string, { engines?: { node?: string } | string[] }>)
      .filter(([path]) => path !== '')
      .flatMap(([path, entry]) => {
        const range = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
        return range !== undefined && !semver.subset(supported, range) ? [`${path} wants node ${range}`] : [];
      });
    // A dependency that wants a newer Node gets a version that does not (an override in package.json, with its reason in README, "Installing").
    assert.deepEqual(refusing, [], `supported: ${supported}`);
  });

  it('finds package-lock.json in step with package.json, so that npm install does not rewrite it', () => {
    const recorded = lock.packages[''];
    for (const field of ['name', 'version', 'license', 'bin', 'engines', 'dependencies', 'devDependencies'] as const)
      assert.deepEqual(recorded[field], manifest[field], `package-lock.json records another ${field}`);
    assert.equal(lock.name, manifest.name);
    assert.equal(lock.version, manifest.version);
  });

  it('writes its build where git does not look', () => {
    const paths = ['build/cli/main.js', 'build.tmp-1/cli/main.js', 'build.old-1/cli/main.js'];
    const ignored = spawnSync('git', ['check-ignore', ...paths], { cwd: root, encoding: 'utf8' });
    assert.equal(ignored.status, 0, ignored.stderr);
    assert.deepEqual(ignored.stdout.trim().split('\n'), paths, 'build/ and the staging folders of scripts/build-cli.mjs are ignored');
  });

  it('runs the compiled command on the packages `npm install --omit=dev` installs', () => {
    pythiaBin(); // a build of the current sources, which lists what it bundled and what it loads
    const needed: string[] = JSON.parse(readFileSync(join(root, 'build', 'cli', 'packages.json'), 'utf8'));
    assert.ok(needed.includes('viem') && needed.includes('fastify'), `packages.json lists what the build needs: ${needed.join(', ')}`);
    const devOnly = needed.filter(
      (name) => (lock.packages[`node_modules/${name}`] as { dev?: boolean } | undefined)?.dev === true && !OPTIONAL_AT_RUN_TIME.has(name),
    );
    assert.deepEqual(devOnly, [], 'the CLI (pythia demo included) needs development-only packages, which --omit=dev leaves out');
  });

  it('builds the council console from the packages `npm install --omit=dev` installs', () => {
    pythiaBin(); // the install step builds build/console with the CLI
    const bundled: string[] = JSON.parse(readFileSync(join(root, 'build', 'console.packages.json'), 'utf8'));
    assert.ok(
      ['react', 'react-dom', 'viem'].every((name) => bundled.includes(name)),
      `what the console bundles: ${bundled.join(', ')}`,
    );
    const devOnly = bundled.filter((name) => (lock.packages[`node_modules/${name}`] as { dev?: boolean } | undefined)?.dev === true);
    assert.deepEqual(devOnly, [], 'the console bundles development-only packages, which --omit=dev leaves out');
    assert.ok(existsSync(join(root, 'build', 'console', 'index.html')), 'build/console/index.html');
  });
});
