import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { bytesToHex, getAddress, hexToBytes, parseEther, type Address } from 'viem';
import { createChainClients } from '../../src/chain/clients.js';
import { sendContractTransaction } from '../../src/chain/sendContractTransaction.js';
import { pythiaFleetAbi } from '../../src/contracts/abis.js';
import { loadOrCreateRoleKeys } from '../../src/chain/roleKeys.js';
import {
  addNetworkNode,
  initNetwork,
  ipcRequest,
  nodePaths,
  nodeRpcEndpoint,
  proposeSigner,
  startNetwork,
  startNode,
  stopNetwork,
  waitForNetworkReady,
} from '../../src/network/index.js';
import { freePortBlock } from '../../src/testing/freePortBlock.js';
import { AIR_QUALITY_CLASS_ID, airQualityProfile } from '../../src/protocol/airQuality.js';
import { askStatusProof, ChainProofError, type CliqueTrust, generateDeviceKey, parseProvisioningBundle } from '../../src/sdk/index.js';
import { startStack, type Stack } from '../../src/stack/startStack.js';
import { runPythia } from '../e2e/runPythia.js';
import { startGateway } from '../../src/gateway/server.js';
import { startMqttChannel } from '../../src/mqtt/channel.js';
import { rawDevice } from '../../src/mqtt/mqttTestKit.js';
import { deviceTopic } from '../../src/protocol/mqttTopics.js';

/**
 * Issue #15, "trust the chain, not the Pythia": a gateway on a geth Clique validator hands a
 * device a sealed header and the EIP-1186 proof of its fleet record (GET /v1/devices/{id}/status-proof),
 * and the device's SDK checks both against the validator set of its genesis: active, then suspended
 * by the operator, an unregistered device proven absent; a gateway that tampers with the proof or
 * hands an old header is refused.
 */
const passphrase = 'status-proof-test-not-a-secret';
/** A hex digit of the header's state root: after 0x, the list prefix (3 bytes), parent hash, uncle hash, coinbase, and the root's own prefix. */
const STATE_ROOT_AT = 2 + 6 + 66 + 66 + 42 + 2 + 10;
const execFileAsync = promisify(execFile);
const EPOCH = 8;
const sdkC = fileURLToPath(new URL('../../sdk-c/', import.meta.url));

type ProofBody = { header: string; proof: { accountProof: string[]; storageProof: { value: string; proof: string[] }[] } };
const flipLast = (hex: string) => {
  const bytes = hexToBytes(hex as `0x${string}`);
  bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
  return bytesToHex(bytes);
};
const flipStateRoot = (header: string) =>
  `${header.slice(0, STATE_ROOT_AT)}${header[STATE_ROOT_AT] === '0' ? '1' : '0'}${header.slice(STATE_ROOT_AT + 1)}`;

/** Runs the C example sensor; resolves with its exit code and output whatever the code. */
async function sensorC(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(join(sdkC, 'build/examples/sensor'), args, { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** A gateway in the middle: forwards everything, and lets `edit` change the status-proof answers (a Pythia or network that lies). */
async function startTamperingProxy(
  target: string,
): Promise<{ server: Server; hostPort: string; edit: { current?: (b: ProofBody) => void } }> {
  const edit: { current?: (b: ProofBody) => void } = {};
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const forwarded = await fetch(`${target}${request.url}`, {
      method: request.method!,
      headers: Object.fromEntries(Object.entries(request.headers).filter(([k]) => ['content-type', 'accept'].includes(k))) as Record<
        string,
        string
      >,
      ...(chunks.length > 0 && { body: Buffer.concat(chunks) }),
    });
    let body = Buffer.from(await forwarded.arrayBuffer());
    if (request.url?.endsWith('/status-proof') && forwarded.status === 200 && edit.current) {
      const parsed = JSON.parse(body.toString('utf8')) as ProofBody;
      edit.current(parsed);
      body = Buffer.from(JSON.stringify(parsed));
    }
    response.writeHead(forwarded.status, {
      'content-type': forwarded.headers.get('content-type') ?? 'application/json',
      'content-length': body.length,
    });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, hostPort: `127.0.0.1:${(server.address() as AddressInfo).port}`, edit };
}

describe('status proofs from a geth Clique node through the gateway', { timeout: 300_000 }, () => {
  let root: string;
  let stack: Stack | undefined;
  let netDir: string | undefined;
  let rpcUrl: string;
  /** validator-1's IPC socket: miner_start/miner_stop and the Clique API. */
  let validatorIpc: string;
  let trust: CliqueTrust;
  let fleet: Address;
  let proxy: Awaited<ReturnType<typeof startTamperingProxy>> | undefined;
  let dataDir: string;
  const device = generateDeviceKey();
  const freshness = { maxAgeSeconds: 60n };
  const ask = (parameters: Partial<Parameters<typeof askStatusProof>[0]> = {}) =>
    askStatusProof({
      gatewayUrl: stack!.gatewayUrl,
      device: device.deviceId,
      fleet,
      trust,
      freshness,
      retry: { attempts: 1 },
      ...parameters,
    });

  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pythia-statusproof-'));
    dataDir = join(root, 'pythia');
    netDir = join(root, 'net');
    // A network folder of one validator, ready before the stack deploys (a geth just started may still
    // answer eth_getTransactionReceipt with "transaction indexing is in progress").
    const roles = await loadOrCreateRoleKeys({ dataDir, passphrase, scryptN: 1024 });
    const network = await initNetwork({
      dir: netDir,
      validators: 1,
      period: 1,
      // Checkpoints every 8 blocks: the devices follow the validator set from the genesis through them (GET /v1/chain/headers/{n}).
      epoch: EPOCH,
      basePort: await freePortBlock(10),
      fund: { [roles.admin.address]: parseEther('1000') },
      passphrase,
      scryptN: 1024,
    });
    await startNetwork({ dir: netDir, passphrase });
    await waitForNetworkReady({ dir: netDir });
    rpcUrl = nodeRpcEndpoint(netDir, network.nodes[0]!);
    validatorIpc = nodePaths(join(netDir, network.nodes[0]!.dir)).ipcPath;
    stack = await startStack({
      dataDir,
      passphrase,
      chain: { rpcUrls: [rpcUrl] },
      gatewayPort: 0,
      scryptN: 1024,
      timelockDelaySeconds: 1n,
    });
    fleet = stack.deployment.contracts.fleet;
    trust = { validators: network.nodes.flatMap((n) => (n.address ? [n.address] : [])), checkpoint: 0n, epoch: BigInt(EPOCH) };
  });

  after(async () => {
    proxy?.server.close();
    await stack?.stop().catch(() => undefined);
    if (netDir) await stopNetwork({ dir: netDir }).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  });

  it('an unregistered device is proven absent; registered, active; suspended by the operator, suspended', async () => {
    const absent = await ask();
    assert.equal(absent.status, 'none');
    assert.equal(absent.record, 0n);
    assert.ok(trust.validators.includes(absent.signer));

    const clients = createChainClients({ chainId: stack!.deployment.chainId, rpcUrl: rpcUrl });
    const operator = { clients, account: stack!.roles.operator };
    await sendContractTransaction({
      ...operator,
      address: fleet,
      abi: pythiaFleetAbi,
      functionName: 'setClassProfile',
      args: [AIR_QUALITY_CLASS_ID, airQualityProfile],
    });
    const registered = await sendContractTransaction({
      ...operator,
      address: fleet,
      abi: pythiaFleetAbi,
      functionName: 'registerDevice',
      args: [device.publicKey, AIR_QUALITY_CLASS_ID],
    });
    const active = await ask();
    assert.ok(active.blockNumber >= registered.blockNumber);
    assert.equal(active.status, 'active');

    const suspended = await sendContractTransaction({
      ...operator,
      address: fleet,
      abi: pythiaFleetAbi,
      functionName: 'suspendDevice',
      args: [device.deviceId, 'status proof test'],
    });
    const after = await ask();
    assert.ok(after.blockNumber >= suspended.blockNumber);
    assert.equal(after.status, 'suspended');
    // From the genesis set through every checkpoint up to the header's epoch, each fetched from the gateway and checked.
    assert.equal(after.trust.checkpoint, after.blockNumber - (after.blockNumber % BigInt(EPOCH)));
    assert.deepEqual(after.trust.validators, trust.validators);
    assert.equal((await clients.publicClient.getBlock({ blockNumber: after.blockNumber })).hash, after.blockHash);
  });

  it('refuses a gateway that tampers with the proof or the header, or hands a stale header', async () => {
    const tampering = (
      edit: (body: { header: string; proof: { accountProof: string[]; storageProof: { value: string; proof: string[] }[] } }) => void,
    ) =>
      (async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
        const response = await fetch(input, init);
        if (!String(input).endsWith('/status-proof')) return response; // the checkpoints it follows come through untouched
        const body = await response.json();
        edit(body);
        return new Response(JSON.stringify(body), { status: response.status, headers: { 'content-type': 'application/json' } });
      }) as typeof fetch;
    const refusedWith = async (reason: string, run: Promise<unknown>) =>
      assert.rejects(run, (error: unknown) => error instanceof ChainProofError && error.reason === reason);

    await refusedWith(
      'bad_storage_proof',
      ask({
        fetch: tampering((b) => {
          const p = b.proof.storageProof[0]!;
          p.proof[p.proof.length - 1] = flipLast(p.proof[p.proof.length - 1]!);
        }),
      }),
    );
    await refusedWith(
      'bad_storage_proof',
      ask({
        fetch: tampering((b) => {
          b.proof.storageProof[0]!.value = '0x0';
        }),
      }),
    );
    await refusedWith(
      'bad_account_proof',
      ask({
        fetch: tampering((b) => {
          b.proof.accountProof[0] = flipLast(b.proof.accountProof[0]!);
        }),
      }),
    );
    await refusedWith(
      'unknown_signer',
      ask({
        fetch: tampering((b) => {
          b.header = flipStateRoot(b.header);
        }),
      }),
    );
    await refusedWith(
      'malformed_proof',
      ask({
        fetch: tampering((b) => {
          (b as { proof: unknown }).proof = null;
        }),
      }),
    );
    // The checkpoint route: a block above the head has no sealed header yet (404), a malformed number is refused (400).
    const future = await fetch(`${stack!.gatewayUrl}/v1/chain/headers/999999999`);
    assert.equal(future.status, 404);
    assert.equal(((await future.json()) as { error: string }).error, 'status_proof_unavailable');
    assert.equal((await fetch(`${stack!.gatewayUrl}/v1/chain/headers/08`)).status, 400);
    await refusedWith('stale_header', ask({ freshness: { maxAgeSeconds: 60n, now: BigInt(Math.floor(Date.now() / 1000)) + 3600n } }));
  });

  it('the C example sensor with --verify chain: checks the header seal and the proof itself with the C SDK, obeys the proven status, refuses a tampered answer', async () => {
    await execFileAsync('make', ['-C', sdkC, 'sensor'], { timeout: 300_000 });
    const dir = join(root, 'sensor-c');
    mkdirSync(dir);
    const sensorKey = generateDeviceKey();
    const keyFile = join(dir, 'sensor.key');
    writeFileSync(keyFile, `${sensorKey.privateKey}\n`, { mode: 0o600 });
    // The bundle as the operator writes it: on a Clique chain it names the genesis validators (block 0's extra-data) and the epoch.
    const bundlePath = join(dir, 'bundle.json');
    const created = await runPythia(
      ['bundle', 'create', '--out', bundlePath, '--clique-epoch', String(EPOCH), '--data-dir', dataDir],
      passphrase,
    );
    assert.equal(created.code, 0, created.stderr);
    assert.deepEqual(parseProvisioningBundle(readFileSync(bundlePath, 'utf8')).clique, { epoch: EPOCH, validators: [...trust.validators] });
    proxy = await startTamperingProxy(stack!.gatewayUrl);
    const trustFile = join(dir, 'trust.bin');
    const run = (sequence: number) =>
      sensorC([
        'run',
        '--key-file',
        keyFile,
        '--bundle',
        bundlePath,
        '--gateway',
        proxy!.hostPort,
        '--verify',
        'chain',
        '--readings',
        '1',
        '--first-sequence',
        String(sequence),
        '--trust-file',
        trustFile,
      ]);
    const followed = (stdout: string) => Number(/ (\d+) checkpoints followed\)$/m.exec(stdout)?.[1] ?? Number.NaN);
    const reachedAt = (stdout: string) => Number(/\(checkpoint (\d+), /m.exec(stdout)?.[1] ?? Number.NaN);
    const storedAt = (stdout: string) => Number(/^trust stored checkpoint (\d+)$/m.exec(stdout)?.[1] ?? Number.NaN);

    const clients = createChainClients({ chainId: stack!.deployment.chainId, rpcUrl });
    const operator = { clients, account: stack!.roles.operator };
    await sendContractTransaction({
      ...operator,
      address: fleet,
      abi: pythiaFleetAbi,
      functionName: 'registerDevice',
      args: [sensorKey.publicKey, AIR_QUALITY_CLASS_ID],
    });
    const active = await run(1);
    assert.equal(active.code, 0, active.stderr);
    assert.match(active.stdout, /^status active block \d+$/m);
    assert.match(active.stdout, /^reading 1 202$/m);
    const sizes = /^proof header (\d+) bytes account (\d+) bytes (\d+) nodes storage (\d+) bytes (\d+) nodes .*$/m.exec(active.stdout);
    assert.ok(sizes, active.stdout);
    assert.ok(followed(active.stdout) > 0, 'followed the checkpoints from the bundle genesis set');
    console.log(`C sensor, --verify chain: ${sizes[0]}; ${/^memory .*$/m.exec(active.stdout)?.[0]}`);
    // --trust-file: nothing stored yet, so from the genesis; the trust reached is stored (96 + 20 bytes: one validator).
    assert.match(active.stdout, /^trust none stored: from the bundle's genesis$/m);
    const firstCheckpoint = storedAt(active.stdout);
    assert.ok(firstCheckpoint > 0 && firstCheckpoint % EPOCH === 0, active.stdout);
    assert.equal(readFileSync(trustFile).length, 116);
    // A gateway that lies: a flipped byte of a storage node, of an account node, the state root; each refused, no reading sent.
    for (const [reason, edit] of [
      [
        'bad_storage_proof',
        (b: ProofBody) => {
          const p = b.proof.storageProof[0]!;
          p.proof[p.proof.length - 1] = flipLast(p.proof[p.proof.length - 1]!);
        },
      ],
      [
        'bad_account_proof',
        (b: ProofBody) => {
          b.proof.accountProof[0] = flipLast(b.proof.accountProof[0]!);
        },
      ],
      [
        'unknown_signer',
        (b: ProofBody) => {
          b.header = flipStateRoot(b.header);
        },
      ],
    ] as const) {
      proxy.edit.current = edit;
      const refused = await run(2);
      assert.equal(refused.code, 4, `${reason}: ${refused.stderr}`);
      assert.match(refused.stdout, new RegExp(`^refused ${reason}$`, 'm'));
      assert.doesNotMatch(refused.stdout, /^reading /m);
    }
    proxy.edit.current = undefined;

    await sendContractTransaction({
      ...operator,
      address: fleet,
      abi: pythiaFleetAbi,
      functionName: 'suspendDevice',
      args: [sensorKey.deviceId, 'C sensor chain mode'],
    });
    const halted = await run(2);
    assert.equal(halted.code, 3, halted.stderr);
    assert.match(halted.stdout, /^status suspended block \d+$/m);
    assert.match(halted.stdout, /^halted suspended$/m);
    assert.doesNotMatch(halted.stdout, /^reading /m);
    // That run started from the checkpoint the first one stored: it followed only the checkpoints sealed since (a few seconds: none or one),
    // where the first followed every one from the genesis. (Halted runs send no reading, which the class's minimum interval would flag.)
    assert.match(halted.stdout, new RegExp(`^trust from checkpoint ${firstCheckpoint}, 1 validators$`, 'm'));
    assert.equal(followed(active.stdout), firstCheckpoint / EPOCH);
    assert.equal(followed(halted.stdout), (reachedAt(halted.stdout) - firstCheckpoint) / EPOCH);
    assert.ok(followed(halted.stdout) < followed(active.stdout), `${followed(halted.stdout)} < ${followed(active.stdout)}`);
    console.log(`C sensor, --trust-file: first run ${followed(active.stdout)} checkpoints followed, the next ${followed(halted.stdout)}`);
    // A damaged trust file (a flipped byte, a torn one, another format) is refused with its reason: the sensor follows from the
    // bundle's genesis again (always safe: the bundle is the root of trust, the file a shortcut) and stores the trust it reaches.
    for (const [reason, damage] of [
      ['trust_corrupted', (b: Buffer) => Buffer.concat([b.subarray(0, 70), Buffer.from([b[70]! ^ 0x10]), b.subarray(71)])],
      ['trust_truncated', (b: Buffer) => b.subarray(0, 50)],
      ['trust_unknown_format', () => Buffer.from('{"checkpoint":"0"}')],
    ] as const) {
      writeFileSync(trustFile, damage(readFileSync(trustFile)));
      const damaged = await run(2);
      assert.equal(damaged.code, 3, damaged.stderr);
      assert.match(damaged.stdout, new RegExp(`^trust refused ${reason}: from the bundle's genesis$`, 'm'));
      assert.match(damaged.stderr, new RegExp(`trust refused \\(${reason}\\)`));
      assert.equal(followed(damaged.stdout), reachedAt(damaged.stdout) / EPOCH);
      assert.equal(storedAt(damaged.stdout), reachedAt(damaged.stdout));
      assert.equal(readFileSync(trustFile).length, 116);
    }

    // Over MQTT (the stack's embedded broker): the proof and the checkpoint headers asked on the device's proof-requests topic and
    // answered on its proofs topic, checked the same way; a trust file of its own, so it follows every checkpoint over MQTT.
    assert.ok(stack!.mqttUrl, 'the stack runs its embedded MQTT broker');
    const overMqtt = await sensorC([
      'run',
      '--key-file',
      keyFile,
      '--bundle',
      bundlePath,
      '--transport',
      'mqtt',
      '--mqtt',
      new URL(stack!.mqttUrl).host,
      '--verify',
      'chain',
      '--readings',
      '1',
      '--first-sequence',
      '2',
      '--trust-file',
      join(dir, 'trust-mqtt.bin'),
    ]);
    assert.equal(overMqtt.code, 3, overMqtt.stderr);
    assert.match(overMqtt.stdout, /^trust none stored: from the bundle's genesis$/m);
    assert.match(overMqtt.stdout, /^status suspended block \d+$/m);
    assert.match(overMqtt.stdout, /^halted suspended$/m);
    assert.ok(followed(overMqtt.stdout) > 0 && followed(overMqtt.stdout) === reachedAt(overMqtt.stdout) / EPOCH, overMqtt.stdout);
    assert.equal(storedAt(overMqtt.stdout), reachedAt(overMqtt.stdout));
  });
  it('over MQTT a proof larger than one packet is refused with the way to HTTP, and the channel keeps serving', async () => {
    // A second gateway on the same node with an MQTT channel whose packets are at most 2,500 bytes: a status proof (some 3.5 KB of
    // JSON) does not fit, a checkpoint header (1.3 KB) does. Publishing the proof would cost the gateway its broker connection.
    const gateway = await startGateway({
      rpcUrl,
      chainId: stack!.deployment.chainId,
      fleetAddress: fleet,
      relayerAccount: stack!.roles.relayer,
      dbPath: join(root, 'small-packets.sqlite'),
      port: 0,
    });
    const channel = await startMqttChannel({ services: gateway.app.pythia, port: 0, maxPacketBytes: 2500 });
    const d = await rawDevice(channel.url, device, stack!.deployment.chainId);
    try {
      await d.client.subscribeAsync(deviceTopic(device.deviceId, 'proofs'), { qos: 1 });
      const ask = async (request: string) => {
        await d.client.publishAsync(deviceTopic(device.deviceId, 'proof-requests'), request, { qos: 1 });
        return JSON.parse((await d.next('proofs')).toString('utf8')) as Record<string, unknown>;
      };
      const tooLarge = await ask('{"ref":"1","proof":"status"}');
      assert.deepEqual([tooLarge.ref, tooLarge.status, tooLarge.error], ['1', 404, 'status_proof_unavailable']);
      assert.match(String(tooLarge.message), /over what one MQTT message carries here \(packets of 2500 bytes\): ask over HTTP/);
      const header = await ask(`{"ref":"2","proof":"header","number":"${EPOCH}"}`);
      assert.deepEqual([header.ref, header.status, header.number], ['2', 200, EPOCH]);
      assert.match(String(header.header), /^0x[0-9a-f]+$/);
    } finally {
      await d.client.endAsync();
      await channel.close();
      await gateway.close();
    }
  });
  it('over MQTT the C sensor follows a checkpoint sealed by a validator just voted in, vouched for by the header after it, and verifies its status proof', async () => {
    // A second validator voted in by the first (one vote of one: at once). With two validators each seals every other block
    // (Clique's recency rule), so the newcomer seals the checkpoint after the vote when the vote's block is odd: validator-1's
    // sealing is paused until the head's parity is right, the vote cast, sealing resumed. The checkpoint's signer is then not in
    // the set a device trusts from the epoch before, and the next header (validator-1's) vouches for it.
    await execFileAsync('make', ['-C', sdkC, 'sensor'], { timeout: 300_000 });
    const started = Date.now();
    // The node first: it syncs while the device is made and registered.
    const added = await addNetworkNode({ dir: netDir!, role: 'validator', passphrase, scryptN: 1024 });
    await startNode({ nodeDir: join(netDir!, added.dir), passphrase });
    const nodeUp = Date.now();
    const dir = join(root, 'sensor-c-vouched');
    mkdirSync(dir);
    const sensorKey = generateDeviceKey();
    const keyFile = join(dir, 'sensor.key');
    writeFileSync(keyFile, `${sensorKey.privateKey}\n`, { mode: 0o600 });
    const bundlePath = join(dir, 'bundle.json');
    const created = await runPythia(
      ['bundle', 'create', '--out', bundlePath, '--clique-epoch', String(EPOCH), '--data-dir', dataDir],
      passphrase,
    );
    assert.equal(created.code, 0, created.stderr);
    const clients = createChainClients({ chainId: stack!.deployment.chainId, rpcUrl });
    await sendContractTransaction({
      clients,
      account: stack!.roles.operator,
      address: fleet,
      abi: pythiaFleetAbi,
      functionName: 'registerDevice',
      args: [sensorKey.publicKey, AIR_QUALITY_CLASS_ID],
    });
    const registered = Date.now();
    const newcomer = getAddress(added.address!);
    const addedIpc = nodePaths(join(netDir!, added.dir)).ipcPath;
    const head = async () => Number(await ipcRequest<string>(validatorIpc, 'eth_blockNumber'));
    const signerOf = async (n: number) => getAddress(await ipcRequest<string>(validatorIpc, 'clique_getSigner', [`0x${n.toString(16)}`]));
    const until = async (what: string, done: () => Promise<boolean>, ms = 60_000) => {
      for (const since = Date.now(); !(await done()); await new Promise((r) => setTimeout(r, 100)))
        if (Date.now() - since > ms) throw new Error(`timed out waiting for ${what}`);
    };
    // The newcomer has the chain before it may seal on it.
    await until('the new node synced', async () => Number(await ipcRequest<string>(addedIpc, 'eth_blockNumber')) >= (await head()) - 1);
    const synced = Date.now();
    await ipcRequest(validatorIpc, 'miner_stop');
    let paused = await head();
    await until('validator-1 paused', async () => {
      await new Promise((r) => setTimeout(r, 1500));
      const now = await head();
      const quiet = now === paused;
      paused = now;
      return quiet;
    });
    if ((paused + 1) % 2 === 0) {
      // One block more, so that the vote's block (the next) is odd.
      await ipcRequest(validatorIpc, 'miner_start');
      await until(`block ${paused + 1}`, async () => (await head()) > paused);
      await ipcRequest(validatorIpc, 'miner_stop');
      paused = await head();
      assert.equal(paused % 2, 0, 'one block sealed while paused');
    }
    await proposeSigner({ dir: netDir!, validator: 'validator-1', address: newcomer, vote: 'add' });
    const proposed = Date.now();
    await ipcRequest(validatorIpc, 'miner_start');
    const voteBlock = paused + 1;
    const checkpoint = voteBlock - (voteBlock % EPOCH) + EPOCH;
    await until(`block ${checkpoint + 2}`, async () => (await head()) >= checkpoint + 2);
    assert.ok(
      (await ipcRequest<string[]>(validatorIpc, 'clique_getSigners')).map((a) => getAddress(a)).includes(newcomer),
      'the newcomer was voted in',
    );
    assert.equal(await signerOf(checkpoint), newcomer, `checkpoint ${checkpoint} sealed by the newcomer`);
    assert.notEqual(await signerOf(checkpoint + 1), newcomer, 'the header after it sealed by validator-1');
    const voted = Date.now();

    // The sensor from its bundle's genesis set, over MQTT only: every checkpoint header and the voucher on its proofs topic.
    const overMqtt = await sensorC([
      'run',
      '--key-file',
      keyFile,
      '--bundle',
      bundlePath,
      '--transport',
      'mqtt',
      '--mqtt',
      new URL(stack!.mqttUrl!).host,
      '--verify',
      'chain',
      '--readings',
      '1',
      '--trust-file',
      join(dir, 'trust.bin'),
    ]);
    assert.equal(overMqtt.code, 0, overMqtt.stdout + overMqtt.stderr);
    assert.match(overMqtt.stdout, new RegExp(`^checkpoint ${checkpoint} vouched for by 1 headers$`, 'm'), overMqtt.stdout);
    assert.match(overMqtt.stdout, /^status active block \d+$/m);
    assert.match(overMqtt.stdout, /^reading 1 202$/m);
    // It trusts both validators now, and stored that trust (96 + 20 × 2 bytes).
    assert.match(overMqtt.stdout, / \(checkpoint \d+, 2 validators, \d+ checkpoints followed\)$/m);
    assert.equal(readFileSync(join(dir, 'trust.bin')).length, 136);
    console.log(
      `C sensor over MQTT through a vouched checkpoint (${checkpoint}): node up ${((nodeUp - started) / 1000).toFixed(1)} s, device registered ${((registered - nodeUp) / 1000).toFixed(1)} s, node synced ${((synced - registered) / 1000).toFixed(1)} s, pause ${((proposed - synced) / 1000).toFixed(1)} s, blocks to the voucher ${((voted - proposed) / 1000).toFixed(1)} s, sensor ${((Date.now() - voted) / 1000).toFixed(1)} s`,
    );
  });
});
