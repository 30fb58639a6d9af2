import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runPythia } from '../e2e/runPythia.js';

const pythia = (args: string[]) => runPythia(args, 'cli-test-passphrase-not-a-secret');

describe('pythia network: help and refusals', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-netcli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('has --help on every network command', async () => {
    for (const command of ['', 'init', 'add-node', 'up', 'down', 'status', 'propose']) {
      const run = await pythia(['network', ...(command ? [command] : []), '--help']);
      assert.equal(run.code, 0, `network ${command} --help: ${run.stderr}`);
      assert.match(run.stdout, /Usage: pythia network/);
    }
  });

  it('refuses with a reason on stderr and a non-zero exit', async () => {
    const notANetwork = await pythia(['network', 'status', '--dir', dir]);
    assert.equal(notANetwork.code, 1);
    assert.match(notANetwork.stderr, /is not a network folder \(no network\.json\): create one with `pythia network init`/);
    assert.equal(notANetwork.stdout, '');
    const badVote = await pythia([
      'network',
      'propose',
      '0x000000000000000000000000000000000000dEaD',
      'maybe',
      '--validator',
      '1',
      '--dir',
      dir,
    ]);
    assert.equal(badVote.code, 2);
    assert.match(badVote.stderr, /<vote> must be add or remove or discard/);
    const badAddress = await pythia(['network', 'propose', '0xdead', 'add', '--validator', '1', '--dir', dir]);
    assert.equal(badAddress.code, 2);
    const badFund = await pythia([
      'network',
      'init',
      '--validators',
      '1',
      '--dir',
      join(dir, 'n'),
      '--fund',
      '0x000000000000000000000000000000000000dEaD=lots',
    ]);
    assert.equal(badFund.code, 2);
    assert.match(badFund.stderr, /--fund must be an amount in ether/);
    const missingDir = await pythia(['network', 'up']);
    assert.equal(missingDir.code, 2);
    assert.match(missingDir.stderr, /required option '--dir <dir>'/);
  });

  it('network init writes its folder private to the user: files 0600, folders 0700 (geth keeps its own data/)', async () => {
    const net = join(dir, 'private-net');
    const init = await pythia(['network', 'init', '--validators', '1', '--observers', '1', '--dir', net, '--json']);
    assert.equal(init.code, 0, init.stderr);
    const loose: string[] = [];
    const walk = (folder: string) => {
      for (const entry of readdirSync(folder, { withFileTypes: true })) {
        const path = join(folder, entry.name);
        const mode = statSync(path).mode & 0o777;
        if (entry.isDirectory()) {
          if (mode !== 0o700) loose.push(`${path} ${mode.toString(8)}`);
          if (entry.name !== 'data') walk(path);
        } else if (mode !== 0o600) loose.push(`${path} ${mode.toString(8)}`);
      }
    };
    walk(net);
    assert.deepEqual(loose, []);
    assert.equal(statSync(net).mode & 0o777, 0o700);
  });
});
