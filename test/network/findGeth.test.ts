import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { findGeth, GETH_VERSION, GethNotFoundError } from '../../src/network/index.js';
import { pythiaBin } from '../../src/testing/pythiaBin.js';

const bin = pythiaBin();

/** How the geth binary is found, on the real binary `npm run install:geth` built. */
describe('findGeth', () => {
  const geth = findGeth();
  const empty = mkdtempSync(join(tmpdir(), 'pythia-nogeth-'));
  after(() => rmSync(empty, { recursive: true, force: true }));

  it('finds geth 1.13.15 and says where from', () => {
    assert.equal(geth.version.split('-')[0], GETH_VERSION);
    assert.ok(['PYTHIA_GETH', 'cache', 'PATH'].includes(geth.source));
  });

  it('takes $PYTHIA_GETH first, and only when it is geth 1.13.15', () => {
    const viaEnv = findGeth({ PYTHIA_GETH: geth.path, PATH: '' });
    assert.deepEqual([viaEnv.path, viaEnv.source], [geth.path, 'PYTHIA_GETH']);
    const notGeth = join(empty, 'not-geth');
    writeFileSync(notGeth, '#!/bin/sh\necho "Version: 1.14.0-stable"\n');
    chmodSync(notGeth, 0o755);
    assert.throws(
      () => findGeth({ PYTHIA_GETH: notGeth, PATH: '' }),
      (error: Error) =>
        error instanceof GethNotFoundError && /is geth 1\.14\.0-stable; the network needs geth 1\.13\.15/.test(error.message),
    );
    assert.throws(() => findGeth({ PYTHIA_GETH: join(empty, 'missing'), PATH: '' }), /does not run as geth/);
  });

  it('looks in the tools cache, then on PATH', () => {
    const tools = join(empty, 'tools');
    mkdirSync(join(tools, `geth-${GETH_VERSION}`), { recursive: true });
    symlinkSync(geth.path, join(tools, `geth-${GETH_VERSION}`, 'geth'));
    assert.equal(findGeth({ PYTHIA_TOOLS_DIR: tools, PATH: '' }).source, 'cache');
    const bin = join(empty, 'bin');
    mkdirSync(bin);
    symlinkSync(geth.path, join(bin, 'geth'));
    assert.equal(findGeth({ PYTHIA_TOOLS_DIR: join(empty, 'none'), PATH: bin }).source, 'PATH');
  });

  it('without geth, fails saying how to install it; so does the CLI, with a non-zero exit', async () => {
    const none = { PYTHIA_TOOLS_DIR: join(empty, 'none'), HOME: empty, PATH: '' };
    assert.throws(() => findGeth(none), /geth 1\.13\.15 not found: build it once with `npm run install:geth`/);
    const { PYTHIA_GETH: _ignored, ...inherited } = process.env;
    const run = spawnSync(process.execPath, [bin, 'network', 'init', '--validators', '1', '--dir', join(empty, 'net')], {
      env: { ...inherited, ...none, PATH: dirname(process.execPath), PYTHIA_PASSPHRASE: 'a passphrase of the test' },
      encoding: 'utf8',
    });
    assert.equal(run.status, 1);
    assert.match(run.stderr, /^error: geth 1\.13\.15 not found: build it once with `npm run install:geth`/m);
    assert.equal(existsSync(join(empty, 'net')), false, 'nothing created');
  });
});
