import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findNode, parseNetworkConfig, parseNodeConfig, nodeConfigOf, NetworkConfigError } from './networkConfig.js';

const key = (digit: string) => digit.repeat(128);
const validator = (i: number) => ({
  name: `validator-${i}`,
  role: 'validator',
  dir: `validator-${i}`,
  address: `0x${String(i).repeat(40)}`,
  host: '127.0.0.1',
  ports: { p2p: 30400 + 10 * (i - 1), http: 30401 + 10 * (i - 1), authrpc: 30402 + 10 * (i - 1) },
  enode: `enode://${key(String(i))}@127.0.0.1:${30400 + 10 * (i - 1)}`,
});
const document = (nodes: unknown[]) => ({
  version: 1,
  chainId: 1234567,
  period: 2,
  gasLimit: '300000000',
  netrestrict: '127.0.0.0/8',
  gethVersion: '1.13.15-stable',
  createdAt: '2026-01-01T00:00:00.000Z',
  nodes,
});

describe('network.json', () => {
  it('reads a network and finds nodes by name or validator number', () => {
    const network = parseNetworkConfig(document([validator(1), validator(2)]));
    assert.equal(network.gasLimit, 300_000_000n);
    assert.equal(network.nodes[1]!.address, '0x2222222222222222222222222222222222222222');
    assert.equal(findNode(network, '2').name, 'validator-2');
    assert.equal(findNode(network, 'validator-1').name, 'validator-1');
    assert.throws(() => findNode(network, '3'), /no node validator-3 in this network \(nodes: validator-1, validator-2\)/);
    const own = nodeConfigOf(network, network.nodes[0]!);
    assert.equal('dir' in own.node, false);
    assert.deepEqual(parseNodeConfig(JSON.parse(JSON.stringify(own, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)))), own);
  });

  const refusals: Array<[string, unknown, RegExp]> = [
    ['no nodes', document([]), /nodes: must list at least one node/],
    ['observers only', document([{ ...validator(1), role: 'observer', address: undefined }]), /at least one validator/],
    ['a folder outside', document([{ ...validator(1), dir: '../elsewhere' }]), /dir: must be a folder inside the network folder/],
    ['an absolute folder', document([{ ...validator(1), dir: '/etc' }]), /dir: must be a folder inside/],
    ['a validator without a signer', document([{ ...validator(1), address: undefined }]), /needs its signer address/],
    ['an observer with a signer', document([validator(1), { ...validator(2), role: 'observer' }]), /an observer has no signer address/],
    ['a malformed enode', document([{ ...validator(1), enode: 'enode://abc@127.0.0.1:1' }]), /enode: must be enode:/],
    [
      'a shared port',
      document([validator(1), { ...validator(2), ports: { ...validator(2).ports, http: 30401 } }]),
      /two listeners on 127.0.0.1:30401/,
    ],
    ['a shared name', document([validator(1), { ...validator(2), name: 'validator-1' }]), /the same name validator-1/],
    ['a bad chain id', { ...document([validator(1)]), chainId: 0 }, /chainId: must be an integer/],
    ['a numeric gas limit', { ...document([validator(1)]), gasLimit: 300000000 }, /gasLimit: must be a decimal string/],
    ['another version', { ...document([validator(1)]), version: 2 }, /version: must be 1/],
  ];
  for (const [what, value, message] of refusals) {
    it(`refuses ${what}`, () => {
      assert.throws(
        () => parseNetworkConfig(value),
        (error: Error) => error instanceof NetworkConfigError && message.test(error.message),
      );
    });
  }
});
