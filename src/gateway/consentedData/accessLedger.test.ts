import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Address, Hex } from 'viem';
import { GatewayDatabase } from '../database/gatewayDatabase.js';
import { AccessLedger, type NewCanary } from './accessLedger.js';

const recipient = '0x00000000000000000000000000000000000000aa' as Address;
const device = '0x00000000000000000000000000000000000000dd' as Address;

describe('AccessLedger', () => {
  it('keeps a nonce until its request expires: a request is served once through its whole expiry second', () => {
    const ledger = new AccessLedger(new GatewayDatabase({ path: ':memory:' }));
    const expiresAt = 1_800_000_000n;
    // checkSignedRequest accepts the request while expiresAt >= now in seconds, i.e. up to the last ms of that second.
    assert.equal(ledger.useNonce(recipient, 1n, expiresAt, Number(expiresAt) * 1000 - 10), true);
    assert.equal(ledger.useNonce(recipient, 1n, expiresAt, Number(expiresAt) * 1000 + 1), false, 'in the expiry second');
    assert.equal(ledger.useNonce(recipient, 1n, expiresAt, Number(expiresAt) * 1000 + 999), false, 'last ms of the expiry second');
    assert.equal(ledger.useNonce(recipient, 2n, expiresAt + 1000n, Number(expiresAt + 1n) * 1000), true, 'pruned once it is past');
    assert.equal(ledger.useNonce(recipient, 1n, expiresAt + 300n, Number(expiresAt + 1n) * 1000), true, 'forgotten only then');
  });

  it('records a canary given again (a re-fetch) once, without an error', () => {
    const ledger = new AccessLedger(new GatewayDatabase({ path: ':memory:' }));
    const canary: NewCanary = {
      consentId: 7n,
      recipient,
      device,
      stream: 0,
      sequence: 3n,
      value: 121,
      salt: `0x${'11'.repeat(32)}` as Hex,
      commitment: `0x${'22'.repeat(32)}` as Hex,
    };
    const entry = { kind: 'delivery', consentId: 7n, device, recipient, scope: 1, count: 1, hash: `0x${'33'.repeat(32)}` as Hex } as const;
    const first = ledger.recordAccess(entry, [canary]);
    const second = ledger.recordAccess({ ...entry, hash: `0x${'44'.repeat(32)}` }, [canary]);
    assert.notEqual(first, second, 'both deliveries are logged');
    const canaries = ledger.canariesOfConsent(7n);
    assert.equal(canaries.length, 1, 'the canary once, with the delivery that first carried it');
    assert.equal(canaries[0]!.delivery?.dataHash, entry.hash);
  });
});
