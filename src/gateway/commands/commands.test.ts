import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Address } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { grantConsent, revokeConsent } from '../../chain/consent/index.js';
import { createChainClients } from '../../chain/clients.js';
import { accessLogAbi } from '../../contracts/abis.js';
import { startMqttChannel, type MqttChannel } from '../../mqtt/channel.js';
import { deviceTopic } from '../../protocol/mqttTopics.js';
import type { CommandEnvelope } from '../../protocol/command.js';
import { commandsToMask, type CommandName } from '../../protocol/consentScope.js';
import {
  createCommandGuard,
  createMqttDeviceClient,
  generateDeviceKey,
  parseProvisioningBundle,
  signCommand,
  type CommandRefusal,
  type DeviceKey,
  type MqttDeviceClient,
  type ProvisioningBundle,
  type ReceivedCommand,
} from '../../sdk/index.js';
import { startTestChain, type TestChain } from '../../testing/testChain.js';
import { CommandStore } from './commandStore.js';
import { GatewayDatabase } from '../database/gatewayDatabase.js';
import { startTestGateway } from '../../testing/testGateway.js';
import { highSTwin } from '../testKit.js';
import { advanceAnvilTime } from '../../testing/advanceAnvilTime.js';

/**
 * Command consent end to end: a recipient's signed command through a real gateway (consent checked
 * on a real Anvil, logged to the AccessLog), the embedded MQTT broker, and a device that checks
 * the consent again with a signed answer before acting.
 */
let chain: TestChain;
let gateway: Awaited<ReturnType<typeof startTestGateway>>;
let channel: MqttChannel;
const pythiaKey = generatePrivateKey();
const pythia = privateKeyToAccount(pythiaKey);
const recipientKey = generatePrivateKey();
const recipient = privateKeyToAccount(recipientKey);
const strangerKey = generatePrivateKey();

const bundle = (maxAgeBlocks = 5): ProvisioningBundle =>
  parseProvisioningBundle({
    version: 1,
    chainId: chain.chainId,
    contracts: { fleet: chain.fleetAddress, consentRegistry: chain.consentAddress },
    pythiaKeys: [{ address: pythia.address, publicKey: pythia.publicKey, attested: false }],
    attestationPolicy: { requireAttested: false },
    freshness: { maxAgeSeconds: 30, maxAgeBlocks },
    gatewayUrls: [gateway.url],
  });

const blockTime = async () => (await chain.publicClient.getBlock()).timestamp;
const owner = () => ({ clients: createChainClients({ chainId: chain.chainId, rpcUrl: chain.rpcUrl }), account: chain.operator });

async function registered(): Promise<DeviceKey> {
  const key = generateDeviceKey();
  await chain.registerDevice(key.publicKey); // the operator owns its token
  return key;
}

async function grant(devices: Address[], commands: CommandName[], { seconds = 3600n, to = recipient.address } = {}): Promise<bigint> {
  const { consentId } = await grantConsent({
    ...owner(),
    address: chain.consentAddress,
    recipient: to,
    devices,
    streams: 0,
    commands: commandsToMask(commands),
    purpose: 'maintenance',
    expiry: (await blockTime()) + seconds,
  });
  return consentId;
}

const sign = (device: Address, consentId: bigint, command: CommandName | number, extra: Partial<Parameters<typeof signCommand>[0]> = {}) =>
  signCommand({
    privateKey: recipientKey,
    chainId: chain.chainId,
    consentRegistry: chain.consentAddress,
    device,
    consentId,
    command,
    ...extra,
  });

async function post(device: Address, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${gateway.url}/v1/devices/${device}/commands`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function refused(device: Address, body: unknown, status: number, reason: string) {
  const r = await post(device, body);
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(r.body.error, reason, JSON.stringify(r.body));
  return r.body;
}

/** The envelope the gateway would publish, built by hand: to test the device's own checks. */
const envelope = (signed: ReturnType<typeof signCommand>, checkedAtBlock = 0n): string =>
  JSON.stringify({
    id: signed.id,
    command: signed.command,
    signature: signed.signature,
    checkedAtBlock: checkedAtBlock.toString(),
  } satisfies CommandEnvelope);

/** A device on MQTT that records raw messages of its commands topic without acting on them. */
async function listeningDevice(key: DeviceKey): Promise<{ client: MqttDeviceClient; next: () => Promise<Buffer> }> {
  const client = await createMqttDeviceClient({
    brokerUrl: channel.url,
    key,
    domain: { chainId: chain.chainId, verifyingContract: chain.fleetAddress },
    bundle: bundle(),
  });
  const received: Buffer[] = [];
  const waiting: Array<(b: Buffer) => void> = [];
  const topic = deviceTopic(key.deviceId, 'commands');
  client.mqtt.on('message', (t, payload) => {
    if (t !== topic) return;
    const w = waiting.shift();
    if (w) w(Buffer.from(payload));
    else received.push(Buffer.from(payload));
  });
  await client.mqtt.subscribeAsync(topic, { qos: 1 });
  return {
    client,
    next: () =>
      new Promise((resolve, reject) => {
        const b = received.shift();
        if (b) return resolve(b);
        const timer = setTimeout(() => reject(new Error('no command arrived')), 10_000);
        waiting.push((m) => {
          clearTimeout(timer);
          resolve(m);
        });
      }),
  };
}

/** A guard over a device client's ask(), recording refusals. */
function guardOf(client: MqttDeviceClient, key: DeviceKey, options: { maxAgeBlocks?: number } = {}) {
  const refusals: CommandRefusal[] = [];
  const acted: ReceivedCommand[] = [];
  const guard = createCommandGuard({
    deviceId: key.deviceId,
    bundle: bundle(options.maxAgeBlocks),
    ask: (question, params, opts) => client.ask(question, params, opts),
    handler: (c) => void acted.push(c),
    onRefused: (r) => void refusals.push(r),
  });
  return { guard, refusals, acted };
}

before(async () => {
  chain = await startTestChain();
  gateway = await startTestGateway(chain, { answerSigner: { privateKey: pythiaKey }, answerBlockTtlMs: 0 });
  channel = await startMqttChannel({ services: gateway.app.pythia, port: 0 });
});

after(async () => {
  await channel?.close();
  await gateway?.close();
  await chain?.stop();
});

describe('command consent', { timeout: 120_000 }, () => {
  it('grant → the command is relayed, checked by the device with a signed answer, acted on, and logged on chain', async () => {
    const key = await registered();
    const consentId = await grant([key.deviceId], ['identify', 'set_led']);
    let resolveActed: (c: ReceivedCommand) => void;
    const acted = new Promise<ReceivedCommand>((r) => {
      resolveActed = r;
    });
    const refusals: CommandRefusal[] = [];
    const device = await createMqttDeviceClient({
      brokerUrl: channel.url,
      key,
      domain: { chainId: chain.chainId, verifyingContract: chain.fleetAddress },
      bundle: bundle(),
      commands: { handler: (c) => resolveActed(c), onRefused: (r) => void refusals.push(r) },
    });
    try {
      const signed = sign(key.deviceId, consentId, 'set_led', { args: '0x01' });
      const r = await post(key.deviceId, { command: signed.command, signature: signed.signature });
      assert.equal(r.status, 202, JSON.stringify(r.body));
      assert.equal(r.body.id, signed.id);
      assert.equal(r.body.status, 'published');
      assert.equal(r.body.commandName, 'set_led');
      const command = await acted;
      assert.equal(command.id, signed.id);
      assert.equal(command.commandName, 'set_led');
      assert.equal(command.args, '0x01');
      assert.equal(command.recipient, recipient.address);
      assert.equal(command.consent.answer.permitted, true);
      assert.equal(command.consent.signer, pythia.address);
      assert.deepEqual(refusals, []);

      // Logged through AccessLog.logCommands by the relayer.
      let state: { log: { status: string; blockNumber: number | null } | null } | undefined;
      for (let i = 0; i < 100; i++) {
        state = (await (await fetch(`${gateway.url}/v1/commands/${signed.id}`)).json()) as typeof state;
        if (state?.log && state.log.status !== 'pending') break; // null until its AccessLog batch forms
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(state?.log?.status, 'done', JSON.stringify(state));
      const logs = await chain.publicClient.getContractEvents({
        address: chain.accessLogAddress,
        abi: accessLogAbi,
        eventName: 'CommandLogged',
        args: { consentId },
        fromBlock: 0n,
        strict: true,
      });
      assert.equal(logs.length, 1);
      assert.equal(logs[0]!.args.commandHash, signed.id);
      assert.equal(logs[0]!.args.device, key.deviceId);
      assert.equal(logs[0]!.args.recipient, recipient.address);
      assert.equal(logs[0]!.args.command, 5);
    } finally {
      await device.close();
    }
  });

  it('revocation: a command sent right after is refused by the gateway; one published before but checked after is refused by the device', async () => {
    const key = await registered();
    const consentId = await grant([key.deviceId], ['identify']);
    const { client, next } = await listeningDevice(key);
    try {
      const before = sign(key.deviceId, consentId, 'identify');
      assert.equal((await post(key.deviceId, { command: before.command, signature: before.signature })).status, 202);
      const inFlight = await next(); // published while the consent was live; the device has not checked it yet

      const revoked = await revokeConsent({ ...owner(), address: chain.consentAddress, consentId });
      const t0 = performance.now();
      const after = sign(key.deviceId, consentId, 'identify');
      const body = await refused(key.deviceId, { command: after.command, signature: after.signature }, 403, 'consent_revoked');
      const gatewayMs = performance.now() - t0;
      assert.match(String(body.message), /revoked/);

      const { guard, refusals, acted } = guardOf(client, key);
      const t1 = performance.now();
      const outcome = await guard.handle(inFlight);
      const deviceMs = performance.now() - t1;
      assert.equal(outcome.ok, false);
      assert.equal(refusals[0]?.reason, 'consent_revoked');
      assert.ok(refusals[0]!.blockNumber! >= revoked.blockNumber, 'the device checked at or after the revocation block');
      assert.deepEqual(acted, []);
      // The bound, measured: both refusals come at the first check after the revocation's block.
      console.log(
        `revocation bound: revoked in block ${revoked.blockNumber}; gateway refused ${gatewayMs.toFixed(1)} ms after the receipt, ` +
          `device refused the in-flight command with an answer read at block ${refusals[0]!.blockNumber} (${deviceMs.toFixed(1)} ms)`,
      );
    } finally {
      await client.close();
    }
  });

  it('refuses commands outside the scope, for another device, and from a party without consent, at the gateway and on the device', async () => {
    const [a, b] = [await registered(), await registered()];
    const consentId = await grant([a.deviceId], ['identify']);
    // outside scope
    const reboot = sign(a.deviceId, consentId, 'reboot');
    await refused(a.deviceId, { command: reboot.command, signature: reboot.signature }, 403, 'command_not_covered');
    // a consent of another device
    const other = sign(b.deviceId, consentId, 'identify');
    await refused(b.deviceId, { command: other.command, signature: other.signature }, 403, 'device_not_covered');
    // a stranger who holds no consent, signing with its own key
    const stranger = signCommand({
      privateKey: strangerKey,
      chainId: chain.chainId,
      consentRegistry: chain.consentAddress,
      device: a.deviceId,
      consentId,
      command: 'identify',
    });
    await refused(a.deviceId, { command: stranger.command, signature: stranger.signature }, 403, 'wrong_recipient');
    // an unknown consent
    const unknown = sign(a.deviceId, 999n, 'identify');
    await refused(a.deviceId, { command: unknown.command, signature: unknown.signature }, 404, 'unknown_consent');

    // The device does not rely on the gateway: given the same messages directly, it refuses them itself.
    const { client } = await listeningDevice(a);
    try {
      const { guard, refusals, acted } = guardOf(client, a);
      await guard.handle(envelope(reboot));
      await guard.handle(envelope(stranger));
      await guard.handle(envelope(other));
      assert.deepEqual(
        refusals.map((r) => r.reason),
        ['command_not_covered', 'wrong_recipient', 'wrong_device'],
      );
      assert.deepEqual(acted, []);
    } finally {
      await client.close();
    }
    for (const s of [reboot, other, stranger, unknown]) {
      const r = await fetch(`${gateway.url}/v1/commands/${s.id}`);
      assert.equal(r.status, 404, 'nothing stored for a refused command');
      assert.equal(((await r.json()) as { error: string }).error, 'command_not_found');
    }
  });

  it('refuses replays (gateway, durably by recipient and nonce; device, by its nonce set), bad and high-s signatures, malformed commands', async () => {
    const key = await registered();
    const consentId = await grant([key.deviceId], ['identify', 'calibrate']);
    const signed = sign(key.deviceId, consentId, 'identify');
    const body = { command: signed.command, signature: signed.signature };
    assert.equal((await post(key.deviceId, body)).status, 202);
    await refused(key.deviceId, body, 409, 'replayed_command');
    // same nonce, another command: still a replay of (recipient, nonce)
    const sameNonce = sign(key.deviceId, consentId, 'calibrate', { nonce: BigInt(signed.command.nonce) });
    await refused(key.deviceId, { command: sameNonce.command, signature: sameNonce.signature }, 409, 'replayed_command');
    // durable: the nonce is in the gateway's database file, which a restarted gateway opens again
    const database = new GatewayDatabase({ path: gateway.dbPath });
    try {
      const reopened = new CommandStore(database);
      assert.equal(reopened.isReplay(recipient.address, BigInt(signed.command.nonce)), true);
      assert.equal(reopened.get(signed.id)?.status, 'published');
    } finally {
      database.close();
    }

    // signatures
    const fresh = sign(key.deviceId, consentId, 'identify');
    const forged = signCommand({
      privateKey: strangerKey,
      chainId: chain.chainId,
      consentRegistry: chain.consentAddress,
      device: key.deviceId,
      consentId,
      command: 'identify',
    });
    await refused(key.deviceId, { command: fresh.command, signature: forged.signature }, 401, 'bad_signature');
    await refused(key.deviceId, { command: { ...fresh.command, command: 2 }, signature: fresh.signature }, 401, 'bad_signature');
    await refused(key.deviceId, { command: fresh.command, signature: highSTwin(fresh.signature) }, 400, 'high_s_signature');
    await refused(key.deviceId, { command: fresh.command, signature: `${fresh.signature.slice(0, 130)}1d` }, 400, 'bad_signature_format');
    const otherDomain = signCommand({
      privateKey: recipientKey,
      chainId: chain.chainId + 1,
      consentRegistry: chain.consentAddress,
      device: key.deviceId,
      consentId,
      command: 'identify',
      nonce: BigInt(fresh.command.nonce),
      expiresAt: BigInt(fresh.command.expiresAt),
    });
    await refused(key.deviceId, { command: fresh.command, signature: otherDomain.signature }, 401, 'bad_signature');

    // malformed
    const { recipient: _r, ...noRecipient } = fresh.command;
    await refused(key.deviceId, { command: noRecipient, signature: fresh.signature }, 400, 'invalid_body');
    await refused(key.deviceId, { command: { ...fresh.command, args: '0xZZ' }, signature: fresh.signature }, 400, 'invalid_body');
    await refused(key.deviceId, { command: fresh.command, signature: fresh.signature, extra: 1 }, 400, 'invalid_body');
    await refused(key.deviceId, { command: { ...fresh.command, command: 300 }, signature: fresh.signature }, 400, 'invalid_body');
    const other = generateDeviceKey().deviceId;
    await refused(other, { command: fresh.command, signature: fresh.signature }, 400, 'invalid_body'); // path ≠ command.device
    // expiry
    const now = Math.floor(Date.now() / 1000);
    const stale = sign(key.deviceId, consentId, 'identify', { expiresAt: BigInt(now - 1) });
    await refused(key.deviceId, { command: stale.command, signature: stale.signature }, 400, 'command_expired');
    const far = sign(key.deviceId, consentId, 'identify', { expiresAt: BigInt(now + 3600) });
    await refused(key.deviceId, { command: far.command, signature: far.signature }, 400, 'command_expiry_too_far');
    // the fresh command, never accepted above, still goes through: refusals consumed nothing
    assert.equal((await post(key.deviceId, { command: fresh.command, signature: fresh.signature })).status, 202);

    // the device's own nonce set
    const { client } = await listeningDevice(key);
    try {
      const { guard, refusals, acted } = guardOf(client, key);
      const once = sign(key.deviceId, consentId, 'calibrate');
      assert.equal((await guard.handle(envelope(once))).ok, true);
      assert.equal((await guard.handle(envelope(once))).ok, false);
      await guard.handle(envelope(far));
      await guard.handle(JSON.stringify({ command: { ...once.command, args: 'x' }, signature: once.signature }));
      await guard.handle('not json');
      await guard.handle(envelope({ ...fresh, signature: highSTwin(fresh.signature) }));
      assert.deepEqual(
        refusals.map((r) => r.reason),
        ['replayed_command', 'command_expiry_too_far', 'malformed', 'malformed', 'high_s_signature'],
      );
      assert.equal(acted.length, 1);
    } finally {
      await client.close();
    }
  });

  it('refuses an unknown command code', async () => {
    const key = await registered();
    const consentId = await grant([key.deviceId], ['identify']);
    const ok = sign(key.deviceId, consentId, 'identify');
    await refused(key.deviceId, { command: { ...ok.command, command: 9 }, signature: ok.signature }, 400, 'unknown_command');
  });

  it('the device refuses an answer older than its freshness bound (maxAgeBlocks behind the newest block it knows)', async () => {
    const key = await registered();
    const consentId = await grant([key.deviceId], ['identify']);
    const { client } = await listeningDevice(key);
    try {
      const { guard, refusals, acted } = guardOf(client, key, { maxAgeBlocks: 5 });
      const latest = await chain.publicClient.getBlockNumber({ cacheTime: 0 });
      // The envelope says the gateway checked at a block 100 ahead of what the Pythia now answers from.
      await guard.handle(envelope(sign(key.deviceId, consentId, 'identify'), latest + 100n));
      assert.equal(refusals[0]?.reason, 'answer_rejected');
      assert.equal(refusals[0]?.answerError, 'stale_answer');
      assert.deepEqual(acted, []);
    } finally {
      await client.close();
    }
  });

  it('expired consent (chain time moved past its expiry): refused by the gateway and by the device', async () => {
    const key = await registered();
    const consentId = await grant([key.deviceId], ['identify'], { seconds: 60n });
    const { client } = await listeningDevice(key);
    try {
      const live = sign(key.deviceId, consentId, 'identify');
      await advanceAnvilTime(chain.publicClient, 120);
      await refused(key.deviceId, { command: live.command, signature: live.signature }, 403, 'consent_expired');
      const { guard, refusals } = guardOf(client, key);
      await guard.handle(envelope(sign(key.deviceId, consentId, 'identify')));
      assert.equal(refusals[0]?.reason, 'consent_expired');
    } finally {
      await client.close();
    }
  });
});
