import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { signQuestionRequest } from '../../src/answers/signQuestionRequest.js';
import { decodeAnswer } from '../../src/answers/decodeAnswer.js';
import { deviceTopic, deviceToGatewayKinds, gatewayToDeviceKinds } from '../../src/protocol/mqttTopics.js';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import { hexToBytes, type Address, type Hex, type LocalAccount } from 'viem';
import { createChainClients, type ChainClients } from '../../src/chain/clients.js';
import { grantConsent, revokeConsent } from '../../src/chain/consent/index.js';
import { rotateDeviceKey } from '../../src/chain/deviceIdentity.js';
import { acceptTransfer, offerTransfer } from '../../src/chain/deviceOwnership.js';
import { nativeAccount } from '../../src/chain/nativeAccount.js';
import { sendContractTransaction } from '../../src/chain/sendContractTransaction.js';
import { pythiaFleetAbi } from '../../src/contracts/abis.js';
import { signedReading, type ReadingJson, type TestDevice } from '../../src/gateway/testKit.js';
import { LIGHT_SCRYPT } from '../../src/keystore/index.js';
import { closedByBroker, json, rawDevice } from '../../src/mqtt/mqttTestKit.js';
import { AIR_QUALITY_CLASS_ID, airQualityProfile } from '../../src/protocol/airQuality.js';
import { commandCatalogue } from '../../src/protocol/consentScope.js';
import { commandQueryTypes, dataAccessDomain, dataRequestTypes } from '../../src/protocol/dataRequest.js';
import { signConnectToken } from '../../src/protocol/mqttConnectToken.js';
import { GatewayRejection, generateDeviceKey, queryCanaries, queryCommand, signCommand, type DeviceKey } from '../../src/sdk/index.js';
import { startStack, type Stack } from '../../src/stack/startStack.js';
import { fundOnAnvil } from '../../src/testing/fundedAccount.js';
import { logLines } from '../../src/testing/logLines.js';
import { privateKeyToAccount } from 'viem/accounts';

/**
 * The authorization model of docs/security.md, walked with real actors against a real node
 * (startStack: embedded Anvil, the gateway with every contract, the embedded MQTT broker): a
 * stranger, a device, its retired key, a revoked device, the owner, the previous owner, a
 * recipient (and after the consent's revocation), and a web page's origin. Every refusal has
 * its reason; nothing answers 5xx; the refusals leave security lines in the gateway's log.
 */
const passphrase = 'security-test-passphrase-not-a-secret';
const ALL_STREAMS = 0b111111;
const securityDoc = readFileSync(fileURLToPath(new URL('../../docs/security.md', import.meta.url)), 'utf8');

/** The rows of a table in one section of docs/security.md: cells of each row, by the section's heading. */
function documentedRows(heading: string): string[][] {
  const section = securityDoc.split(/^## /m).find((part) => part.startsWith(`${heading}\n`));
  assert.ok(section, `docs/security.md has a section "${heading}"`);
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) =>
      line
        .slice(1, -1)
        .split(' | ')
        .map((cell) => cell.trim()),
    );
}
const IDENTIFY = commandCatalogue.indexOf('identify');

describe('the authorization model, end to end', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-security-'));
  const { stream: logStream, lines: log } = logLines();
  let stack: Stack;
  let clients: ChainClients;
  let url: string;
  const key = (): DeviceKey => generateDeviceKey();
  const people = { seller: key(), owner: key(), ownerAgain: key(), recipient: key(), stranger: key() };
  const account = (who: keyof typeof people): LocalAccount => nativeAccount(people[who].privateKey);
  const address = (who: keyof typeof people): Address => people[who].deviceId;
  const deviceKey = key();
  const device = deviceKey.deviceId;
  const banned = key();
  const suspended = key();
  let nextKey: DeviceKey | undefined;
  const consents = { recipient: 0n, history: 0n, banned: 0n };
  let sequence = 0;

  const domain = () => ({ chainId: stack.deployment.chainId, verifyingContract: stack.deployment.contracts.fleet });
  const registry = () => stack.deployment.contracts.consentRegistry!;
  const testDevice = (k: DeviceKey, signing: DeviceKey = k): TestDevice => ({
    account: privateKeyToAccount(signing.privateKey),
    id: k.deviceId,
    publicKey64: signing.publicKey,
  });

  /** Every answer of the gateway goes through here: whatever it refuses, never with a 5xx. */
  async function call(path: string, init: RequestInit = {}): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
    const response = await fetch(`${url}${path}`, init);
    const text = await response.text();
    assert.ok(response.status < 500, `${init.method ?? 'GET'} ${path}: ${response.status} ${text}`);
    // Everything but the console's files (HTML, scripts, styles) answers JSON.
    const json = /^application\/json/.test(response.headers.get('content-type') ?? '') || (text !== '' && !response.ok);
    return { status: response.status, body: json ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: response.headers };
  }
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    call(path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  function refused(answer: { status: number; body: Record<string, unknown> }, status: number, reason: string) {
    assert.equal(answer.body.error, reason, JSON.stringify(answer.body));
    assert.equal(answer.status, status);
  }

  /** Posts `count` readings of the device signed by `signing` and waits until the chain decided them. */
  async function postReadings(count: number, signing: DeviceKey = deviceKey): Promise<number[]> {
    const now = Math.floor(Date.now() / 1000);
    const readings: ReadingJson[] = [];
    for (let i = 0; i < count; i++) {
      sequence++;
      readings.push(await signedReading(testDevice(deviceKey, signing), domain(), { sequence, timestamp: now - 3600 + sequence * 10 }));
    }
    const answer = await post('/v1/readings', { readings });
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    for (let i = 0; i < 400; i++) {
      const outcome = await call(`/v1/readings/${device}/${sequence}`);
      if (outcome.body.status !== 'pending') return readings.map((r) => Number(r.sequence));
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`reading ${sequence} still pending`);
  }

  async function dataRequest(who: keyof typeof people, consentId: bigint, extra: { nonce?: bigint; device?: Address } = {}) {
    const request = {
      device: extra.device ?? device,
      consentId,
      streams: ALL_STREAMS,
      afterSequence: 0n,
      fromTime: 0n,
      toTime: (1n << 64n) - 1n,
      limit: 1000,
      nonce: extra.nonce ?? BigInt(Math.floor(Math.random() * 2 ** 48)),
      expiresAt: BigInt(Math.floor(Date.now() / 1000) + 60),
    };
    const signature = await account(who).signTypedData({
      domain: dataAccessDomain({ chainId: stack.deployment.chainId, consentRegistry: registry() }),
      types: dataRequestTypes,
      primaryType: 'DataRequest',
      message: request,
    });
    const body = {
      request: {
        ...request,
        consentId: request.consentId.toString(),
        afterSequence: '0',
        fromTime: '0',
        toTime: request.toTime.toString(),
        nonce: request.nonce.toString(),
        expiresAt: request.expiresAt.toString(),
      },
      signature,
    };
    return { body, answer: await post('/v1/data/readings', body) };
  }

  const sequencesOf = (answer: { body: Record<string, unknown> }) =>
    ((answer.body.readings as { sequence: string }[] | undefined) ?? []).map((r) => Number(r.sequence));

  async function commandQuery(who: keyof typeof people, id: Hex) {
    const query = {
      commandId: id,
      nonce: BigInt(Math.floor(Math.random() * 2 ** 48)),
      expiresAt: BigInt(Math.floor(Date.now() / 1000) + 60),
    };
    const signature = await account(who).signTypedData({
      domain: dataAccessDomain({ chainId: stack.deployment.chainId, consentRegistry: registry() }),
      types: commandQueryTypes,
      primaryType: 'CommandQuery',
      message: query,
    });
    return post(`/v1/commands/${id}/query`, { query: { nonce: query.nonce.toString(), expiresAt: query.expiresAt.toString() }, signature });
  }

  const command = (who: keyof typeof people, target: Address, consentId: bigint) =>
    signCommand({
      privateKey: people[who].privateKey,
      chainId: stack.deployment.chainId,
      consentRegistry: registry(),
      device: target,
      consentId,
      command: 'identify',
    });
  const sendCommand = (signed: ReturnType<typeof command>) =>
    post(`/v1/devices/${signed.command.device.toLowerCase()}/commands`, { command: signed.command, signature: signed.signature });

  async function mqttLogin(
    k: Pick<DeviceKey, 'privateKey'>,
    target: Address,
    clientId = `${target.toLowerCase()}-${Math.random().toString(16).slice(2, 8)}`,
  ) {
    try {
      const client = await mqtt.connectAsync(stack.mqttUrl!, {
        clientId,
        username: target.toLowerCase(),
        password: signConnectToken({ privateKey: k.privateKey, chainId: stack.deployment.chainId, clientId }),
        protocolVersion: 4,
        reconnectPeriod: 0,
      });
      client.on('error', () => {});
      await client.endAsync();
      return 0;
    } catch (error) {
      return (error as { code?: number }).code ?? -1;
    }
  }

  before(async () => {
    stack = await startStack({
      dataDir: join(dir, 'node'),
      passphrase,
      chain: 'anvil',
      gatewayPort: 0,
      scryptN: LIGHT_SCRYPT.n,
      logger: { level: 'warn', stream: logStream },
    });
    url = stack.gatewayUrl;
    clients = createChainClients(stack.deployment);
    for (const who of Object.keys(people) as (keyof typeof people)[]) await fundOnAnvil(clients.publicClient, address(who));
    const operator = stack.roles.operator;
    const fleet = stack.deployment.contracts.fleet;
    const ownership = stack.deployment.contracts.deviceOwnership!;
    await sendContractTransaction({
      clients,
      account: operator,
      address: fleet,
      abi: pythiaFleetAbi,
      functionName: 'setClassProfile',
      args: [AIR_QUALITY_CLASS_ID, airQualityProfile],
    });
    for (const k of [deviceKey, banned, suspended]) {
      await sendContractTransaction({
        clients,
        account: operator,
        address: fleet,
        abi: pythiaFleetAbi,
        functionName: 'registerDevice',
        args: [k.publicKey, AIR_QUALITY_CLASS_ID],
      });
    }
    // The seller owns the device first and records readings 1–3; then it sells the device to the owner.
    await offerTransfer({ clients, account: operator, address: ownership, device, to: address('seller') });
    await acceptTransfer({ clients, account: account('seller'), address: ownership, device });
    await new Promise((r) => setTimeout(r, 1100));
    await postReadings(3);
    await offerTransfer({ clients, account: account('seller'), address: ownership, device, to: address('owner') });
    await acceptTransfer({ clients, account: account('owner'), address: ownership, device });
    // Readings 4–6 under the owner, before any consent.
    await new Promise((r) => setTimeout(r, 1100));
    await postReadings(3);
    const { timestamp } = await clients.publicClient.getBlock();
    const grant = (to: Address, extra: { start?: bigint } = {}) =>
      grantConsent({
        clients,
        account: account('owner'),
        address: registry(),
        recipient: to,
        devices: [device],
        streams: ALL_STREAMS,
        commands: 1 << IDENTIFY,
        purpose: 'security matrix',
        expiry: timestamp + 86_400n,
        ...extra,
      });
    consents.recipient = (await grant(address('recipient'))).consentId;
    // The buyer's trick: a consent to a second address of its own, asking for all history — here with a start a day back, chosen explicitly.
    consents.history = (await grant(address('ownerAgain'), { start: timestamp - 86_400n })).consentId;
    consents.banned = (
      await grantConsent({
        clients,
        account: operator,
        address: registry(),
        recipient: address('recipient'),
        devices: [banned.deviceId, suspended.deviceId],
        streams: ALL_STREAMS,
        commands: 1 << IDENTIFY,
        purpose: 'security matrix',
        expiry: timestamp + 86_400n,
      })
    ).consentId;
    // Readings 7–9 under the owner, within both consents (from the second after the grant: chain times are whole seconds).
    await new Promise((r) => setTimeout(r, 1100));
    await postReadings(3);
  });

  after(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the index routes answer only the console token of the data directory (0600); with it, the indexed fleet', async () => {
    assert.equal(statSync(stack.consoleTokenPath).mode & 0o777, 0o600);
    const token = readFileSync(stack.consoleTokenPath, 'utf8').trim();
    refused(await call('/v1/index/devices'), 401, 'console_token_required');
    refused(await call('/v1/index/devices', { headers: { authorization: `Bearer ${'0'.repeat(64)}` } }), 401, 'console_token_required');
    for (let i = 0; ; i++) {
      const answer = await call(`/v1/index/devices/${device}`, { headers: { authorization: `Bearer ${token}` } });
      if (answer.status === 200) {
        assert.equal(answer.body.device, device);
        break;
      }
      assert.ok(i < 200, `the indexer never indexed ${device}: ${JSON.stringify(answer.body)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  it('public views show status, never values, device time or the offending value (stranger)', async () => {
    const view = await call(`/v1/devices/${device}`);
    assert.equal(view.status, 200);
    assert.deepEqual(view.body.lastReading, { sequence: '9' });
    const outcome = await call(`/v1/readings/${device}/9`);
    assert.equal(outcome.status, 200);
    // Status and where it was recorded; finalAt appears once the verdict is final (timing).
    const keys = Object.keys(outcome.body).filter((k) => k !== 'finalAt');
    assert.deepEqual(keys.sort(), [
      'blockHash',
      'blockNumber',
      'decidedAt',
      'device',
      'finality',
      'reasons',
      'receivedAt',
      'sequence',
      'status',
      'txHash',
    ]);
    for (const data of ['timestamp', 'value', 'values']) assert.equal(data in outcome.body, false, `${data} is data, not public`);
  });

  it('data only under consent, only the consent’s: recipient, buyer’s own second address, previous owner, stranger', async () => {
    const mine = await dataRequest('recipient', consents.recipient);
    assert.equal(mine.answer.status, 200, JSON.stringify(mine.answer.body));
    assert.deepEqual(sequencesOf(mine.answer), [7, 8, 9], 'from the consent’s start: not 4–6 (before it), not 1–3 (previous owner)');
    const history = await dataRequest('ownerAgain', consents.history);
    assert.equal(history.answer.status, 200);
    assert.deepEqual(sequencesOf(history.answer), [4, 5, 6, 7, 8, 9], 'history the owner chose, never the seller’s 1–3');
    refused((await dataRequest('stranger', consents.recipient)).answer, 403, 'wrong_recipient');
    refused((await dataRequest('seller', consents.recipient)).answer, 403, 'wrong_recipient');
    refused((await dataRequest('recipient', consents.recipient, { device: banned.deviceId })).answer, 403, 'device_not_covered');
    // A plain replay of the same signed request.
    refused(await post('/v1/data/readings', mine.body), 409, 'replayed_request');
  });

  it('re-fetching values that carried canaries gives the same canaries, 200 every time', async () => {
    const first = await dataRequest('recipient', consents.recipient);
    const again = await dataRequest('recipient', consents.recipient);
    assert.equal(first.answer.status, 200);
    assert.equal(again.answer.status, 200);
    assert.deepEqual(again.answer.body.readings, first.answer.body.readings);
    const given = await queryCanaries({
      gatewayUrl: url,
      chainId: stack.deployment.chainId,
      consentRegistry: registry(),
      account: account('owner'),
      consentId: consents.recipient,
    });
    const unique = new Set(given.map((c) => `${c.sequence}:${c.stream}`));
    assert.equal(unique.size, given.length, 'each canary recorded once');
    // Canary queries only for the consent's owner: not the previous owner, not the recipient.
    for (const who of ['seller', 'recipient'] as const) {
      await assert.rejects(
        queryCanaries({
          gatewayUrl: url,
          chainId: stack.deployment.chainId,
          consentRegistry: registry(),
          account: account(who),
          consentId: consents.recipient,
        }),
        (e: unknown) => e instanceof GatewayRejection && e.reason === 'not_consent_owner',
      );
    }
  });

  it('a command’s contents only to its recipient or the device’s owner; its status to anyone', async () => {
    const signed = command('recipient', device, consents.recipient);
    const sent = await sendCommand(signed);
    assert.equal(sent.status, 202, JSON.stringify(sent.body));
    const status = await call(`/v1/commands/${signed.id}`);
    assert.equal(status.status, 200);
    for (const field of ['args', 'nonce', 'expiresAt', 'recipient', 'consentId', 'command'])
      assert.equal(status.body[field], undefined, field);
    refused(await commandQuery('stranger', signed.id), 403, 'not_command_party');
    refused(await commandQuery('seller', signed.id), 403, 'not_command_party');
    const byRecipient = await commandQuery('recipient', signed.id);
    assert.equal(byRecipient.status, 200);
    assert.equal(byRecipient.body.args, '0x');
    // The owner through the SDK.
    const byOwner = await queryCommand({
      gatewayUrl: url,
      chainId: stack.deployment.chainId,
      consentRegistry: registry(),
      account: account('owner'),
      commandId: signed.id,
    });
    assert.equal(byOwner.recipient.toLowerCase(), address('recipient').toLowerCase());
    assert.equal(byOwner.command, IDENTIFY);
    // A stranger's command under someone else's consent.
    refused(await sendCommand(command('stranger', device, consents.recipient)), 403, 'wrong_recipient');
  });

  it('MQTT: logins against the current key; a captured token does not log in again; a retired key is refused after rotate-key', async () => {
    assert.equal(await mqttLogin(deviceKey, device), 0, 'the device logs in');
    assert.equal(await mqttLogin(people.stranger, device), 4, 'a stranger’s key for the device id');
    const captured = `${device.toLowerCase()}-captured`;
    const token = signConnectToken({ privateKey: deviceKey.privateKey, chainId: stack.deployment.chainId, clientId: captured });
    const first = await mqtt.connectAsync(stack.mqttUrl!, {
      clientId: captured,
      username: device.toLowerCase(),
      password: token,
      protocolVersion: 4,
      reconnectPeriod: 0,
    });
    first.on('error', () => {});
    await assert.rejects(
      mqtt.connectAsync(stack.mqttUrl!, {
        clientId: captured,
        username: device.toLowerCase(),
        password: token,
        protocolVersion: 4,
        reconnectPeriod: 0,
      }),
      (e: { code?: number }) => e.code === 4,
    );
    assert.equal(first.connected, true, 'the session was not taken over');

    // The owner rotates the key: the open session is dropped, the retired key refused everywhere, the new one accepted.
    nextKey = generateDeviceKey();
    await rotateDeviceKey({
      clients,
      account: account('owner'),
      address: stack.deployment.contracts.deviceIdentity!,
      device,
      oldKey: deviceKey,
      newKey: nextKey,
    });
    await closedByBroker(first, 5000);
    assert.equal(await mqttLogin(deviceKey, device), 4, 'the retired key');
    assert.equal(await mqttLogin(nextKey, device), 0, 'the new key, same device id');
    sequence++;
    const retired = await signedReading(testDevice(deviceKey), domain(), { sequence, timestamp: Math.floor(Date.now() / 1000) - 60 });
    refused(await post('/v1/readings', retired), 401, 'bad_signature');
    const fresh = await signedReading(testDevice(deviceKey, nextKey), domain(), {
      sequence,
      timestamp: Math.floor(Date.now() / 1000) - 60,
    });
    assert.equal((await post('/v1/readings', fresh)).status, 202);
  });

  it('a flagged reading’s public outcome names the offending metric, never its value or the device time (stranger)', async () => {
    sequence++;
    const now = Math.floor(Date.now() / 1000);
    const offending = await signedReading(testDevice(deviceKey, nextKey), domain(), {
      sequence,
      timestamp: now - 30,
      values: [30_000, 250, 300, 450, 2150, 5500],
    });
    assert.equal((await post('/v1/readings', offending)).status, 202);
    let outcome = await call(`/v1/readings/${device}/${sequence}`);
    for (let i = 0; i < 400 && outcome.body.status === 'pending'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      outcome = await call(`/v1/readings/${device}/${sequence}`);
    }
    assert.equal(outcome.body.status, 'flagged', JSON.stringify(outcome.body));
    assert.ok((outcome.body.reasons as string[]).includes('OutOfRange'), JSON.stringify(outcome.body));
    assert.equal(outcome.body.metric, 0, 'the offending metric’s index');
    const text = JSON.stringify(outcome.body);
    assert.ok(!text.includes('30000') && !text.includes(String(now - 30)), `neither the value nor the device time: ${text}`);
    for (const data of ['timestamp', 'value', 'values', 'offendingValue']) assert.equal(data in outcome.body, false, data);
  });

  it('a revoked device: its session is dropped, it cannot log in, no command reaches it, its readings are refused', async () => {
    const open = await rawDevice(stack.mqttUrl!, banned, stack.deployment.chainId);
    assert.equal((await sendCommand(command('recipient', banned.deviceId, consents.banned))).status, 202, 'while active');
    await sendContractTransaction({
      clients,
      account: stack.roles.operator,
      address: stack.deployment.contracts.fleet,
      abi: pythiaFleetAbi,
      functionName: 'revokeDevice',
      args: [banned.deviceId, 'compromised'],
    });
    await closedByBroker(open.client, 5000);
    assert.equal(await mqttLogin(banned, banned.deviceId), 5, 'not authorised');
    refused(await sendCommand(command('recipient', banned.deviceId, consents.banned)), 403, 'device_revoked');
    const reading = await signedReading(testDevice(banned), domain(), { sequence: 1, timestamp: Math.floor(Date.now() / 1000) - 60 });
    refused(await post('/v1/readings', reading), 403, 'device_revoked');
  });

  it('a suspended device may log in and ask (it learns it is suspended); its readings are refused and no command is relayed to it', async () => {
    await sendContractTransaction({
      clients,
      account: stack.roles.operator,
      address: stack.deployment.contracts.fleet,
      abi: pythiaFleetAbi,
      functionName: 'suspendDevice',
      args: [suspended.deviceId, 'security matrix'],
    });
    // Least privilege: the login is allowed so that the device can ask its status, nothing more.
    const d = await rawDevice(stack.mqttUrl!, suspended, stack.deployment.chainId);
    try {
      const request = {
        device: suspended.deviceId,
        question: 1,
        params: hexToBytes(suspended.deviceId),
        challenge: new Uint8Array(hexToBytes(`0x${'5a'.repeat(8)}`)),
        sequence: 1n,
        chainId: stack.deployment.chainId,
      };
      const { cose } = signQuestionRequest({ privateKey: suspended.privateKey, request });
      await d.client.publishAsync(deviceTopic(suspended.deviceId, 'questions'), Buffer.from(cose), { qos: 1 });
      const answer = decodeAnswer(await d.next('answers'));
      assert.equal(Number((answer.answer as unknown[])[0]), 2, 'device_status answers 2 (suspended)');
      const reading = await signedReading(testDevice(suspended), domain(), { sequence: 1, timestamp: Math.floor(Date.now() / 1000) - 60 });
      await d.client.publishAsync(deviceTopic(suspended.deviceId, 'readings'), JSON.stringify(reading), { qos: 1 });
      const ack = json(await d.next('acks'));
      assert.deepEqual([ack.error, ack.status], ['device_suspended', 403]);
      refused(await post('/v1/readings', reading), 403, 'device_suspended');
      refused(await sendCommand(command('recipient', suspended.deviceId, consents.banned)), 403, 'device_suspended');
      // Nothing reached its commands topic: the gateway relayed no command.
      const commands: Buffer[] = [];
      d.client.on('message', (topic, payload) => {
        if (topic === deviceTopic(suspended.deviceId, 'commands')) commands.push(payload);
      });
      await d.client.subscribeAsync(deviceTopic(suspended.deviceId, 'commands'), { qos: 1 });
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(commands, []);
    } finally {
      await d.client.endAsync();
    }
  });

  it('a recipient after the consent’s revocation gets neither data nor commands', async () => {
    await revokeConsent({ clients, account: account('owner'), address: registry(), consentId: consents.recipient });
    refused((await dataRequest('recipient', consents.recipient)).answer, 403, 'consent_revoked');
    refused(await sendCommand(command('recipient', device, consents.recipient)), 403, 'consent_revoked');
  });

  it('a web page’s origin: no CORS preflight answer, no body a page can send without one', async () => {
    const origin = { origin: 'http://evil.example' };
    const preflight = await call('/v1/data/readings', {
      method: 'OPTIONS',
      headers: { ...origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
    assert.equal(preflight.status, 404);
    const simple = await call('/v1/readings', { method: 'POST', headers: { ...origin, 'content-type': 'text/plain' }, body: '{}' });
    refused(simple, 415, 'unsupported_media_type');
    assert.equal(simple.headers.get('access-control-allow-origin'), null);
    const view = await call(`/v1/devices/${device}`, { headers: origin });
    assert.equal(view.headers.get('access-control-allow-origin'), null, 'a page cannot read even a public view');
  });

  it('bounded work for strangers: devices per request before any chain read, slow requests, per-device rate limit', async () => {
    const many = Array.from({ length: 1000 }, (_, i) => ({
      device: generateDeviceKey().deviceId,
      sequence: i + 1,
      timestamp: 1_700_000_000,
      payload: '0x00',
      signature: `0x${'11'.repeat(64)}1b`,
    }));
    const started = Date.now();
    refused(await post('/v1/readings', { readings: many }), 413, 'too_many_devices');
    assert.ok(Date.now() - started < 2000, 'refused at once');

    // A body that never finishes: 408 within the request time limit (10 s), and the socket is closed.
    const { hostname, port } = new URL(url);
    const slow = connect(Number(port), hostname);
    let answer = '';
    slow.on('data', (c) => (answer += c));
    slow.write(
      `POST /v1/readings HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"readings":`,
    );
    const closedAfter = await new Promise<number>((resolve) => {
      const t0 = Date.now();
      slow.on('close', () => resolve(Date.now() - t0));
    });
    assert.ok(closedAfter < 15_000, `closed after ${closedAfter} ms`);
    assert.match(answer, /^HTTP\/1\.1 408/);

    // Per device: 600 requests a minute naming one device, from any client; then 429 with Retry-After.
    const target = generateDeviceKey().deviceId;
    let limited: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 700 && !limited; i++) {
      const r = await call(`/v1/readings/${target}/1`);
      if (r.status === 429) limited = r;
      else assert.equal(r.body.error, 'unknown_reading');
    }
    assert.ok(limited, 'the per-device limit was hit');
    refused(limited!, 429, 'rate_limited');
    assert.ok(Number(limited!.headers.get('retry-after')) >= 1);
  });

  it('every route of the gateway (its /openapi.json) and every MQTT topic says who may call it, and a stranger gets nothing it should not', async () => {
    const documented = new Map<string, string>();
    for (const [routes, who] of documentedRows('HTTP routes')) {
      for (const m of routes!.matchAll(/`(GET|POST|PUT|DELETE|PATCH) ([^`]+)`/g)) documented.set(`${m[1]} ${m[2]}`, who!);
    }
    const openapi = (await call('/openapi.json')).body as { paths: Record<string, Record<string, unknown>> };
    const served = Object.entries(openapi.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
    );
    served.push('GET /openapi.json'); // the document does not list itself
    assert.ok(served.length >= 18, served.join(', '));
    const undocumented = served.filter((route) => !documented.get(route));
    assert.deepEqual(undocumented, [], 'routes served without a documented caller in docs/security.md, "HTTP routes"');
    assert.deepEqual(
      [...documented.keys()].filter((route) => !served.includes(route)),
      [],
      'documented routes the gateway does not serve',
    );

    // A stranger (no key, no signature) on every route: a refusal wherever the caller is not "anyone"; never 5xx.
    const stranger = generateDeviceKey().deviceId;
    const filler: Record<string, string> = {
      device: stranger,
      id: stranger,
      sequence: '1',
      consentId: '1',
      policyId: `0x${'ab'.repeat(32)}`,
    };
    for (const route of served) {
      const [method, template] = route.split(' ') as [string, string];
      let path = template.replace(/\{(\w+)\}/g, (_all, name: string) => filler[name] ?? '1');
      if (route === 'GET /v1/commands/{id}' || route === 'POST /v1/commands/{id}/query')
        path = path.replace(stranger, `0x${'cd'.repeat(32)}`);
      const answer =
        method === 'GET' ? await call(path) : await call(path, { method, headers: { 'content-type': 'application/json' }, body: '{}' });
      if (documented.get(route) === 'anyone') continue;
      assert.ok(answer.status >= 400 && answer.status < 500, `${route} as a stranger: ${answer.status} ${JSON.stringify(answer.body)}`);
      assert.equal(typeof answer.body.error, 'string', `${route}: a refusal with its reason`);
    }

    // MQTT: every topic kind of the scheme is in the topic table, with who publishes and who subscribes.
    const topics = new Map(
      documentedRows('MQTT topics (embedded broker)').map(([topic, publisher, subscriber]) => [topic, [publisher, subscriber]]),
    );
    for (const kind of [...deviceToGatewayKinds, ...gatewayToDeviceKinds]) {
      const row = topics.get(`\`pythia/v1/devices/{id}/${kind}\``);
      assert.ok(row?.[0] && row[1], `${kind}: documented publisher and subscriber`);
    }
  });

  it('at most 1,024 HTTP connections at once: more are closed at once, and the gateway serves again when they go', async () => {
    const { hostname, port } = new URL(url);
    const sockets: Socket[] = [];
    let closed = 0;
    try {
      for (let i = 0; i < 1100; i++) {
        const socket = connect(Number(port), hostname);
        socket.on('error', () => {});
        socket.on('close', () => closed++);
        await new Promise<void>((resolve) => {
          socket.once('connect', () => resolve());
          socket.once('close', () => resolve());
        });
        sockets.push(socket);
      }
      await new Promise((r) => setTimeout(r, 500));
      const open = sockets.length - closed;
      // The test's own client may hold a few keep-alive connections of the earlier tests.
      assert.ok(open <= 1024 && open >= 1000, `${open} of 1,100 connections stayed open`);
      // One more connection, with a whole request: closed without an answer.
      const extra = connect(Number(port), hostname);
      let answered = '';
      extra.on('data', (c) => (answered += c));
      extra.on('error', () => {});
      extra.write(`GET /healthz HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`);
      await new Promise((resolve) => extra.on('close', resolve));
      assert.equal(answered, '', 'no room for one more');
    } finally {
      for (const socket of sockets) socket.destroy();
    }
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await call('/v1/questions/key')).status, 200, 'served again');
  });

  it('every refusal above left one security line in the gateway log (pythia up logs at warn)', async () => {
    const kinds = new Set(log.map((l) => l.security).filter(Boolean));
    for (const kind of ['login_refused', 'signature_refused', 'policy_denied', 'device_refused', 'rate_limited']) {
      assert.ok(kinds.has(kind), `${kind} logged; got ${[...kinds].join(', ')}`);
    }
    const text = JSON.stringify(log);
    assert.ok(!text.includes(deviceKey.privateKey.slice(2)), 'no key in the log');
    assert.ok(!/"password"|"signature":"0x/.test(text), 'no token or signature in the log');
  });
  // Last: it uses up this client's requests for the rest of the minute.
  it('per client: 3,000 requests a minute from one IP address on any route, then 429 with Retry-After; X-Forwarded-For changes nothing; another address is served', async () => {
    const rateLimitLines = () => log.filter((l) => l.security === 'rate_limited').length;
    const linesBefore = rateLimitLines();
    const first = await call('/v1/questions/key');
    assert.equal(first.status, 200);
    assert.equal(first.headers.get('x-ratelimit-limit'), '3000');
    const remaining = Number(first.headers.get('x-ratelimit-remaining'));
    assert.ok(remaining > 0 && remaining < 3000, `remaining ${remaining}`);
    let served = 0;
    const worker = async (share: number) => {
      for (let i = 0; i < share; i++) if ((await call('/v1/questions/key')).status === 200) served++;
    };
    const workers = 10;
    await Promise.all(
      Array.from({ length: workers }, (_, w) => worker(Math.floor(remaining / workers) + (w < remaining % workers ? 1 : 0))),
    );
    assert.equal(served, remaining, 'every request up to the limit served');
    const over = await call('/v1/questions/key');
    refused(over, 429, 'rate_limited');
    assert.ok(Number(over.headers.get('retry-after')) >= 1, `Retry-After ${over.headers.get('retry-after')}`);
    refused(await call('/v1/questions/key', { headers: { 'x-forwarded-for': '203.0.113.7' } }), 429, 'rate_limited');
    refused(await call(`/v1/devices/${generateDeviceKey().deviceId}`), 429, 'rate_limited');
    // Another client (another loopback source address) has its own count.
    const { hostname, port } = new URL(url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: hostname, port: Number(port), path: '/v1/questions/key', localAddress: '127.0.0.2' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 200);
    assert.ok(rateLimitLines() > linesBefore, 'each hit logged as a rate_limited security line');
  });
});
