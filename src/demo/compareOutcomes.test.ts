import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createChainClients } from '../chain/clients.js';
import { readFleetEvents } from '../chain/fleetEvents.js';
import { newTestDevice, signedReading, typicalAirQuality } from '../gateway/testKit.js';
import { startTestChain, type TestChain } from '../testing/testChain.js';
import { startTestGateway } from '../testing/testGateway.js';
import { compareOutcomes, type Submission } from './compareOutcomes.js';

/** Real readings through a real gateway to a real chain, compared with right and with wrong expectations. */
describe('compareOutcomes', { timeout: 120_000 }, () => {
  let chain: TestChain;
  let gateway: Awaited<ReturnType<typeof startTestGateway>>;
  let submissions: Submission[];
  let events: Awaited<ReturnType<typeof readFleetEvents>>;

  before(async () => {
    chain = await startTestChain();
    gateway = await startTestGateway(chain);
    const device = newTestDevice();
    await chain.registerDevice(device.publicKey64);
    const from = await chain.publicClient.getBlockNumber({ cacheTime: 0 });
    const domain = { chainId: chain.chainId, verifyingContract: chain.fleetAddress };
    const clean = await signedReading(device, domain, { sequence: 1, timestamp: 1_700_000_000 });
    const tooHigh = await signedReading(device, domain, {
      sequence: 2,
      timestamp: 1_700_000_100,
      values: typicalAirQuality.map((v, i) => (i === 0 ? 9_000 : v)),
    });
    const post = (body: unknown) =>
      fetch(`${gateway.url}/v1/readings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal((await post({ readings: [clean, tooHigh] })).status, 202);
    const replay = await post(clean);
    assert.equal(replay.status, 409);
    while (((await (await fetch(`${gateway.url}/healthz`)).json()) as { pending: number }).pending > 0)
      await new Promise((r) => setTimeout(r, 50));
    const to = await chain.publicClient.getBlockNumber({ cacheTime: 0 });
    events = await readFleetEvents(createChainClients(chain).publicClient, chain.fleetAddress, from, to);
    submissions = [
      { source: 'fleet', device: device.id, sequence: 1n, expected: { kind: 'accepted' }, refusedAs: undefined },
      {
        source: 'fleet',
        device: device.id,
        sequence: 2n,
        expected: { kind: 'flagged', reasons: ['OutOfRange', 'ExcessiveChange'] },
        refusedAs: undefined,
      },
      {
        source: 'replay',
        device: device.id,
        sequence: 1n,
        expected: { kind: 'refused', reason: 'replayed_sequence' },
        refusedAs: 'replayed_sequence',
      },
    ];
  });
  after(async () => {
    await gateway?.close();
    await chain?.stop();
  });

  it('finds every reading as expected, and counts each kind on both sides', () => {
    const result = compareOutcomes({ submissions, events });
    assert.deepEqual(result.mismatches, []);
    assert.equal(result.matched, 3);
    assert.deepEqual(result.byKind, [
      { kind: 'accepted', expected: 1, recorded: 1 },
      { kind: 'flagged ExcessiveChange+OutOfRange', expected: 1, recorded: 1 },
      { kind: 'refused replayed_sequence', expected: 1, recorded: 1 },
    ]);
  });

  it('shows each wrong expectation as a mismatch, with both sides', () => {
    const wrong: Submission[] = [
      { ...submissions[0]!, expected: { kind: 'flagged', reasons: ['TooFrequent'] } },
      { ...submissions[1]!, expected: { kind: 'flagged', reasons: ['OutOfRange'] } },
      { ...submissions[2]!, expected: { kind: 'accepted' } },
      { source: 'fleet', device: submissions[0]!.device, sequence: 3n, expected: { kind: 'accepted' }, refusedAs: undefined },
    ];
    const result = compareOutcomes({ submissions: wrong, events });
    assert.equal(result.matched, 0);
    assert.deepEqual(
      result.mismatches.map((m) => [m.sequence, m.expected, m.recorded]),
      [
        ['1', 'flagged TooFrequent', 'accepted'],
        ['2', 'flagged OutOfRange', 'flagged ExcessiveChange+OutOfRange'],
        ['1', 'accepted', 'refused replayed_sequence'],
        ['3', 'accepted', 'missing'],
      ],
    );
    const accepted = result.byKind.find((k) => k.kind === 'accepted')!;
    assert.deepEqual(accepted, { kind: 'accepted', expected: 2, recorded: 1 });
  });
});
