import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseEther, parseEventLogs, type Hex, type LocalAccount } from 'viem';
import { generatePrivateKey } from 'viem/accounts';
import { createChainClients } from '../../chain/clients.js';
import { depositBond } from '../../chain/accountability/index.js';
import { grantConsent, revokeConsent } from '../../chain/consent/index.js';
import { publishPolicy } from '../../chain/policy/index.js';
import { compilePolicyTerms, parsePolicy, policyContentHash } from '../../policy/index.js';
import { parseConsentReceipt, verifyConsentReceipt } from '../../chain/consent/receipt.js';
import { nativeAccount } from '../../chain/nativeAccount.js';
import { accessLogAbi } from '../../contracts/abis.js';
import { DATA_REQUEST_DOMAIN_NAME, DATA_REQUEST_DOMAIN_VERSION, dataRequestTypes } from '../../protocol/dataRequest.js';
import { streamsToMask } from '../../protocol/consentScope.js';
import { fetchConsentedReadings, GatewayRejection } from '../../sdk/index.js';
import { startTestChain, type TestChain } from '../../testing/testChain.js';
import { startTestGateway } from '../../testing/testGateway.js';
import type { RunningGateway } from '../server.js';
import { highSTwin, newTestDevice, postSettledReadings, typicalAirQuality, type TestDevice } from '../testKit.js';
import { fundOnAnvil } from '../../testing/fundedAccount.js';

/** Data under consent through a real gateway, relayer, ConsentRegistry and AccessLog on Anvil. */
let chain: TestChain;
let gateway: RunningGateway;
let device: TestDevice;
let consentId: bigint;
const recipient = nativeAccount(generatePrivateKey());
const stranger = nativeAccount(generatePrivateKey());
const PM25_NO2 = streamsToMask(['pm25', 'no2']);

const fetchAs = (account: LocalAccount, extra: Partial<Parameters<typeof fetchConsentedReadings>[0]> = {}) =>
  fetchConsentedReadings({
    gatewayUrl: gateway.url,
    chainId: chain.chainId,
    consentRegistry: chain.consentAddress,
    account,
    device: device.id,
    consentId,
    streams: PM25_NO2,
    ...extra,
  });

const refusal = async (promise: Promise<unknown>): Promise<{ reason: string; status: number }> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GatewayRejection) return { reason: error.reason, status: error.status };
    throw error;
  }
  throw new Error('expected a refusal');
};

before(async () => {
  chain = await startTestChain();
  gateway = await startTestGateway(chain);
  device = newTestDevice();
  await chain.registerDevice(device.publicKey64);
  await postSettledReadings(gateway.url, device, { chainId: chain.chainId, verifyingContract: chain.fleetAddress }, 5);
  const clients = createChainClients({ chainId: chain.chainId, rpcUrl: chain.rpcUrl });
  const { timestamp } = await chain.publicClient.getBlock();
  ({ consentId } = await grantConsent({
    clients,
    account: chain.operator, // registerDevice mints the device's token to the operator
    address: chain.consentAddress,
    recipient: recipient.address,
    devices: [device.id],
    streams: PM25_NO2,
    commands: 0,
    purpose: 'air-quality research',
    expiry: timestamp + 86_400n,
  }));
});

after(async () => {
  await gateway?.close();
  await chain?.stop();
});

describe('POST /v1/data/readings (data under consent)', () => {
  it('delivers only the consented streams to the recipient, pages by sequence, and logs the delivery hash on chain', async () => {
    const first = await fetchAs(recipient, { limit: 3 });
    assert.deepEqual(
      first.readings.map((r) => r.sequence),
      ['1', '2', '3'],
    );
    for (const r of first.readings) {
      const i = Number(r.sequence);
      assert.deepEqual(r.values, [
        [0, typicalAirQuality[0]! + i],
        [2, typicalAirQuality[2]! + 3 * i],
      ]);
    }
    assert.equal(first.nextAfterSequence, 3n);
    const rest = await fetchAs(recipient, { afterSequence: first.nextAfterSequence });
    assert.deepEqual(
      rest.readings.map((r) => r.sequence),
      ['4', '5'],
    );

    const logged = new Map<Hex, bigint>();
    for (let i = 0; i < 100 && logged.size < 2; i++) {
      const logs = await chain.publicClient.getLogs({ address: chain.accessLogAddress, fromBlock: 0n });
      for (const log of parseEventLogs({ abi: accessLogAbi, eventName: 'DeliveryLogged', logs })) {
        logged.set(log.args.dataHash, log.args.consentId);
        assert.equal(log.args.recipient, recipient.address);
        assert.equal(log.args.device.toLowerCase(), device.id.toLowerCase());
        assert.equal(log.args.streams, PM25_NO2);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(logged.get(first.dataHash), consentId, 'the first delivery is logged under the consent');
    assert.equal(logged.get(rest.dataHash), consentId, 'the second delivery is logged too');
  });

  it('refuses streams outside the consent, other recipients, replays, expired and high-s requests, with reasons', async () => {
    assert.deepEqual(await refusal(fetchAs(recipient, { streams: streamsToMask(['pm25', 'o3']) })), {
      reason: 'stream_not_covered',
      status: 403,
    });
    assert.deepEqual(await refusal(fetchAs(stranger)), { reason: 'wrong_recipient', status: 403 });
    assert.deepEqual(await refusal(fetchAs(recipient, { consentId: 999n })), { reason: 'unknown_consent', status: 404 });
    await fetchAs(recipient, { nonce: 77n });
    assert.equal((await refusal(fetchAs(recipient, { nonce: 77n }))).reason, 'replayed_request');
    assert.equal((await refusal(fetchAs(recipient, { lifetimeSeconds: -10 }))).reason, 'request_expired');
    assert.equal((await refusal(fetchAs(recipient, { lifetimeSeconds: 3600 }))).reason, 'request_expired');

    const request = {
      device: device.id,
      consentId,
      streams: PM25_NO2,
      afterSequence: 0n,
      fromTime: 0n,
      toTime: 10n,
      limit: 5,
      nonce: 5n,
      expiresAt: BigInt(Math.floor(Date.now() / 1000) + 60),
    };
    const signature = await recipient.signTypedData({
      domain: {
        name: DATA_REQUEST_DOMAIN_NAME,
        version: DATA_REQUEST_DOMAIN_VERSION,
        chainId: chain.chainId,
        verifyingContract: chain.consentAddress,
      },
      types: dataRequestTypes,
      primaryType: 'DataRequest',
      message: request,
    });
    const post = (body: unknown) =>
      fetch(`${gateway.url}/v1/data/readings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const json = {
      ...request,
      consentId: `${consentId}`,
      afterSequence: '0',
      fromTime: '0',
      toTime: '10',
      nonce: '5',
      expiresAt: `${request.expiresAt}`,
    };
    const high = await post({ request: json, signature: highSTwin(signature) });
    assert.equal(high.status, 400);
    assert.equal(((await high.json()) as { error: string }).error, 'high_s_signature');
    const malformed = await post({ request: { ...json, streams: 0 }, signature });
    assert.equal(malformed.status, 400);
    assert.equal(((await malformed.json()) as { error: string }).error, 'invalid_body');
    const tampered = await post({ request: { ...json, toTime: '11' }, signature }); // signed by nobody with a consent
    assert.equal(tampered.status, 403);
    assert.equal(((await tampered.json()) as { error: string }).error, 'wrong_recipient');
    const ok = await post({ request: json, signature });
    assert.equal(ok.status, 200, 'the untampered request is served (nothing in 0..10 s: no readings, nothing logged)');
    assert.deepEqual(((await ok.json()) as { readings: unknown[]; deliveryId: unknown }).deliveryId, null);
  });

  it("enforces the consent's policy: refused until the gateway holds the document, then per rule", async () => {
    const clients = createChainClients({ chainId: chain.chainId, rpcUrl: chain.rpcUrl });
    const document = {
      pythiaPolicy: 1,
      name: 'pm25-only',
      combining: 'deny-overrides',
      rules: [
        {
          id: 'read-pm25',
          effect: 'permit',
          subject: ['consent-recipient'],
          resource: { streams: ['pm25'] },
          action: ['read'],
          conditions: { purpose: ['air-quality research'], requiresLedgerRecord: [{ kind: 'consent-live' }] },
        },
        { id: 'no-no2', effect: 'deny', subject: ['any'], resource: { streams: ['no2'] }, action: ['read'] },
      ],
      terms: { onwardSharing: false },
    };
    const parsed = parsePolicy(JSON.stringify(document));
    assert.ok(parsed.ok, JSON.stringify(parsed));
    const { policyId } = await publishPolicy({
      clients,
      account: chain.operator,
      address: chain.policyAddress,
      name: 'pm25-only',
      contentHash: policyContentHash(parsed.policy),
      uri: `${gateway.url}/v1/policies`,
      terms: compilePolicyTerms(parsed.policy),
    });
    const { timestamp } = await chain.publicClient.getBlock();
    const governed = await grantConsent({
      clients,
      account: chain.operator,
      address: chain.consentAddress,
      recipient: recipient.address,
      devices: [device.id],
      streams: PM25_NO2,
      commands: 0,
      purpose: 'air-quality research',
      policyId,
      expiry: timestamp + 86_400n,
    });
    const pm25 = streamsToMask(['pm25']);
    assert.equal((await refusal(fetchAs(recipient, { consentId: governed.consentId, streams: pm25 }))).reason, 'policy_unavailable');

    const put = (body: unknown) =>
      fetch(`${gateway.url}/v1/policies/${policyId}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const wrong = await put({ ...document, rules: document.rules.slice(0, 1) });
    assert.equal(wrong.status, 409);
    assert.equal(((await wrong.json()) as { error: string }).error, 'policy_mismatch');
    const invalid = await put({ ...document, combining: 'sometimes' });
    assert.equal(invalid.status, 400);
    assert.equal(((await invalid.json()) as { error: string }).error, 'invalid_policy');
    const stored = await put(document);
    assert.equal(stored.status, 201, await stored.clone().text());
    const served = (await (await fetch(`${gateway.url}/v1/policies/${policyId}`)).json()) as { document: unknown; contentHash: string };
    assert.deepEqual(served.document, parsed.policy);
    assert.equal(served.contentHash, policyContentHash(parsed.policy));

    const readings = await fetchAs(recipient, { consentId: governed.consentId, streams: pm25 });
    assert.equal(readings.readings.length, 5);
    const denied = await refusal(fetchAs(recipient, { consentId: governed.consentId, streams: PM25_NO2 }));
    assert.equal(denied.reason, 'policy_denied', 'the consent covers no2, its policy denies it');
    assert.equal(denied.status, 403);
  });

  it("requires the recipient's bond to reach the policy's minimum before serving data", async () => {
    const clients = createChainClients({ chainId: chain.chainId, rpcUrl: chain.rpcUrl });
    const document = {
      pythiaPolicy: 1,
      name: 'bonded-read',
      combining: 'deny-overrides',
      rules: [{ id: 'read', effect: 'permit', subject: ['consent-recipient'], resource: {}, action: ['read'] }],
      terms: { onwardSharing: false, minimumBondWei: parseEther('1').toString() },
    };
    const parsed = parsePolicy(JSON.stringify(document));
    assert.ok(parsed.ok, JSON.stringify(parsed));
    const { policyId } = await publishPolicy({
      clients,
      account: chain.operator,
      address: chain.policyAddress,
      name: 'bonded-read',
      contentHash: policyContentHash(parsed.policy),
      uri: `${gateway.url}/v1/policies`,
      terms: compilePolicyTerms(parsed.policy),
    });
    const uploaded = await fetch(`${gateway.url}/v1/policies/${policyId}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(document),
    });
    assert.equal(uploaded.status, 201);
    const bonded = nativeAccount(generatePrivateKey());
    await fundOnAnvil(chain.publicClient, bonded.address, '5');
    const { timestamp } = await chain.publicClient.getBlock();
    const { consentId: governed } = await grantConsent({
      clients,
      account: chain.operator,
      address: chain.consentAddress,
      recipient: bonded.address,
      devices: [device.id],
      streams: PM25_NO2,
      commands: 0,
      purpose: 'air-quality research',
      policyId,
      expiry: timestamp + 86_400n,
    });
    assert.deepEqual(await refusal(fetchAs(bonded, { consentId: governed })), { reason: 'insufficient_bond', status: 403 });
    await depositBond({ clients, account: bonded, address: chain.bondsAddress, value: parseEther('0.5') });
    assert.equal((await refusal(fetchAs(bonded, { consentId: governed }))).reason, 'insufficient_bond', 'half the minimum is not enough');
    await depositBond({ clients, account: bonded, address: chain.bondsAddress, value: parseEther('0.5') });
    assert.equal((await fetchAs(bonded, { consentId: governed })).readings.length, 5);
  });

  it('serves the consent receipt for download, and it verifies against the chain', async () => {
    const response = await fetch(`${gateway.url}/v1/consents/${consentId}/receipt`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-disposition') ?? '', /consent-\d+-receipt\.json/);
    const receipt = parseConsentReceipt(await response.json());
    assert.equal(receipt.piiPrincipalId.toLowerCase(), chain.operator.address.toLowerCase());
    const verified = await verifyConsentReceipt({ publicClient: chain.publicClient, receipt });
    assert.equal(verified.valid, true, JSON.stringify(verified));
    const unknown = await fetch(`${gateway.url}/v1/consents/999/receipt`);
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { error: string }).error, 'unknown_consent');
  });

  it('stops at once when the owner revokes the consent', async () => {
    const clients = createChainClients({ chainId: chain.chainId, rpcUrl: chain.rpcUrl });
    await revokeConsent({ clients, account: chain.operator, address: chain.consentAddress, consentId });
    assert.deepEqual(await refusal(fetchAs(recipient)), { reason: 'consent_revoked', status: 403 });
  });
});
