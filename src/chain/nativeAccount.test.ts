import assert from 'node:assert/strict';
import { it } from 'node:test';
import { parseEther, parseGwei } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { nativeAccount, privateKeyOfNativeAccount } from './nativeAccount.js';

it('signs transactions byte for byte as viem does, for legacy, EIP-1559 and large-calldata transactions', async () => {
  const privateKey = generatePrivateKey();
  const native = nativeAccount(privateKey);
  const reference = privateKeyToAccount(privateKey);
  assert.equal(native.address, reference.address);
  const to = privateKeyToAccount(generatePrivateKey()).address;
  const transactions = [
    {
      chainId: 20601,
      type: 'eip1559',
      to,
      value: parseEther('1'),
      nonce: 7,
      gas: 21_000n,
      maxFeePerGas: parseGwei('2'),
      maxPriorityFeePerGas: parseGwei('1'),
    },
    { chainId: 20601, type: 'legacy', to, value: 1n, nonce: 0, gas: 21_000n, gasPrice: parseGwei('1') },
    {
      chainId: 20601,
      type: 'eip1559',
      to,
      nonce: 1,
      gas: 5_000_000n,
      maxFeePerGas: 1n,
      maxPriorityFeePerGas: 1n,
      data: `0x${'ab'.repeat(80_000)}`,
    },
  ] as const;
  for (const tx of transactions) assert.equal(await native.signTransaction(tx), await reference.signTransaction(tx));
});

it('holds its key itself: found again from the account (and a copy of it), never from another account, never in its JSON', () => {
  const privateKey = generatePrivateKey();
  const native = nativeAccount(privateKey);
  assert.equal(privateKeyOfNativeAccount(native), privateKey);
  assert.equal(privateKeyOfNativeAccount({ ...native }), privateKey, 'a copy of the account still knows its key');
  assert.equal(privateKeyOfNativeAccount(privateKeyToAccount(privateKey)), undefined);
  assert.equal(privateKeyOfNativeAccount(nativeAccount(generatePrivateKey())) === privateKey, false);
  assert.equal(JSON.stringify(native).includes(privateKey.slice(2)), false);
});
