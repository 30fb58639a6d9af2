import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gethArguments } from './gethArguments.js';
import { gethConfigToml } from './gethConfigToml.js';
import type { NodeConfig } from './networkConfig.js';
import { nodePaths } from './nodePaths.js';

const common = {
  version: 1,
  chainId: 99,
  period: 1,
  gasLimit: 300_000_000n,
  netrestrict: '127.0.0.0/8',
  gethVersion: '1.13.15',
  createdAt: '',
} as const;
const ports = { p2p: 30400, http: 30401, authrpc: 30402 };
const validator: NodeConfig = {
  ...common,
  node: {
    name: 'validator-1',
    role: 'validator',
    address: '0x1111111111111111111111111111111111111111',
    host: '127.0.0.1',
    ports,
    enode: 'enode://x',
  },
};
const observer: NodeConfig = { ...common, node: { name: 'observer-1', role: 'observer', host: '127.0.0.1', ports, enode: 'enode://x' } };
const paths = nodePaths('/srv/net/validator-1');
const flag = (args: string[], name: string) => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
};

describe('gethArguments', () => {
  it('gives a validator, whose signer key is unlocked, no HTTP and no WebSocket at all: IPC only', () => {
    const args = gethArguments({ config: validator, paths, passwordFile: '/srv/net/validator-1/run/passphrase-x' });
    for (const absent of [
      '--http',
      '--http.api',
      '--http.addr',
      '--http.port',
      '--ws',
      '--allow-insecure-unlock',
      '--rpc.enabledeprecatedpersonal',
    ]) {
      assert.equal(args.includes(absent), false, absent);
    }
    assert.equal(flag(args, '--ipcpath'), '/srv/net/validator-1/data/geth.ipc');
    assert.equal(flag(args, '--authrpc.addr'), '127.0.0.1');
  });

  it('puts only eth, net and web3 on an observer’s HTTP, on loopback, with strict hosts and no CORS or WebSocket', () => {
    const args = gethArguments({ config: observer, paths });
    assert.equal(flag(args, '--http.api'), 'eth,net,web3');
    assert.equal(flag(args, '--http.addr'), '127.0.0.1');
    assert.equal(flag(args, '--http.vhosts'), 'localhost,127.0.0.1');
    assert.equal(flag(args, '--authrpc.addr'), '127.0.0.1');
    for (const absent of ['--http.corsdomain', '--ws', '--ws.api', '--rpc.enabledeprecatedpersonal', '--pprof', '--metrics']) {
      assert.equal(args.includes(absent), false, absent);
    }
    assert.equal(flag(args, '--ipcpath'), '/srv/net/validator-1/data/geth.ipc');
  });

  it("takes peers' transactions at any priority fee (geth's 1 gwei floor would stop gossip between validators)", () => {
    for (const config of [validator, observer]) {
      const args = gethArguments({ config, paths, passwordFile: '/fifo' });
      assert.equal(flag(args, '--miner.gasprice'), '1');
    }
  });

  it('builds a block once per period: the miner does not re-execute it before the next head (recommit twice the period)', () => {
    assert.equal(flag(gethArguments({ config: validator, paths, passwordFile: '/fifo' }), '--miner.recommit'), `${2 * validator.period}s`);
    assert.equal(flag(gethArguments({ config: { ...validator, period: 1 }, paths, passwordFile: '/fifo' }), '--miner.recommit'), '2s');
    assert.equal(flag(gethArguments({ config: { ...validator, period: 5 }, paths, passwordFile: '/fifo' }), '--miner.recommit'), '10s');
  });

  it('runs archive, full sync, no discovery, peers only from the allowed networks', () => {
    const args = gethArguments({ config: observer, paths });
    assert.equal(flag(args, '--gcmode'), 'archive');
    assert.equal(flag(args, '--syncmode'), 'full');
    assert.equal(flag(args, '--state.scheme'), 'hash');
    assert.equal(flag(args, '--netrestrict'), '127.0.0.0/8');
    assert.equal(flag(args, '--networkid'), '99');
    assert.ok(args.includes('--nodiscover'));
  });

  it('lets a validator seal with its key, read from the passphrase file, and an observer never', () => {
    const args = gethArguments({ config: validator, paths, passwordFile: '/fifo' });
    assert.equal(flag(args, '--unlock'), validator.node.address);
    assert.equal(flag(args, '--miner.etherbase'), validator.node.address);
    assert.equal(flag(args, '--password'), '/fifo');
    assert.ok(args.includes('--mine'));
    const watching = gethArguments({ config: observer, paths });
    for (const absent of ['--mine', '--unlock', '--password', '--allow-insecure-unlock'])
      assert.equal(watching.includes(absent), false, absent);
    assert.throws(() => gethArguments({ config: validator, paths }), /needs the passphrase/);
  });

  it('writes static peers and the listen address as geth TOML', () => {
    const toml = gethConfigToml({ listenAddr: '127.0.0.1:30400', staticNodes: ['enode://a@127.0.0.1:1', 'enode://b@127.0.0.1:2'] });
    assert.match(toml, /^\[Node\.P2P\]$/m);
    assert.match(toml, /^ListenAddr = "127\.0\.0\.1:30400"$/m);
    assert.match(toml, /^StaticNodes = \["enode:\/\/a@127\.0\.0\.1:1", "enode:\/\/b@127\.0\.0\.1:2"\]$/m);
  });

  it('a validator that startNetwork starts with others runs without --mine (their sealing starts together, in turn order)', () => {
    const args = gethArguments({ config: validator, paths, passwordFile: '/run/p', sealAtStart: false });
    assert.equal(args.includes('--mine'), false);
    assert.ok(args.includes('--unlock') && args.includes('--miner.etherbase'));
  });
});
