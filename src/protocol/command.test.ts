import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hashTypedData } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { signCommand } from '../sdk/signCommand.js';
import { CommandError, commandDomain, commandTypes, parseCommandJson, verifyCommand } from './command.js';

const registry = '0x00000000000000000000000000000000000C0A5E' as const;
const device = '0x00000000000000000000000000000000000000D1' as const;
const domain = { chainId: 20601, consentRegistry: registry };

describe('PythiaCommand (EIP-712)', () => {
  it('signCommand agrees with viem signTypedData byte for byte, and verifies', async () => {
    const key = generatePrivateKey();
    const account = privateKeyToAccount(key);
    const now = 1_767_225_600;
    const signed = signCommand({ privateKey: key, ...domain, device, consentId: 3n, command: 'identify', args: '0xab', nonce: 9n, now });
    const message = { device, consentId: 3n, command: 3, args: '0xab' as const, nonce: 9n, expiresAt: BigInt(now + 120) };
    const typed = { domain: commandDomain(domain), types: commandTypes, primaryType: 'PythiaCommand' as const, message };
    assert.equal(signed.id, hashTypedData(typed));
    assert.equal(signed.signature, await account.signTypedData(typed));
    assert.equal(signed.command.recipient, account.address);
    const parsed = parseCommandJson(signed.command);
    assert.deepEqual(verifyCommand({ ...parsed, signature: signed.signature, domain, now }), { digest: signed.id });
    assert.throws(
      () => verifyCommand({ ...parsed, signature: signed.signature, domain: { ...domain, chainId: 1 }, now }),
      (e: unknown) => e instanceof CommandError && e.reason === 'bad_signature',
    );
    assert.throws(
      () => verifyCommand({ ...parsed, signature: signed.signature, domain, now: now + 121 }),
      (e: unknown) => e instanceof CommandError && e.reason === 'command_expired',
    );
  });
});
