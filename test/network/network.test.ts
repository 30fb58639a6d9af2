import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { keccak256, parseEther, stringToHex, type Address, type Hex, type LocalAccount } from 'viem';
import { generatePrivateKey } from 'viem/accounts';
import {
  acceptTerms,
  commitCanaries,
  depositBond,
  logSharing,
  readBond,
  readTerms,
  requestDeletion,
} from '../../src/chain/accountability/index.js';
import { deliveryProof } from '../../src/protocol/deliveryBatch.js';
import { createChainClients, type ChainClients } from '../../src/chain/clients.js';
import { checkConsent, grantConsent, readConsent, revokeConsent } from '../../src/chain/consent/index.js';
import type { Deployment } from '../../src/chain/deployment.js';
import { assignClassManufacturer, provisionDevices } from '../../src/chain/deviceIdentity.js';
import { acceptTransfer, offerTransfer, readOwnership } from '../../src/chain/deviceOwnership.js';
import { buyFeed, offerFeed, setMarketGrantAgent } from '../../src/chain/feeds/index.js';
import { setReleaseKeys } from '../../src/chain/firmware/index.js';
import { nativeAccount } from '../../src/chain/nativeAccount.js';
import { publishPolicy } from '../../src/chain/policy/index.js';
import { readPythia } from '../../src/chain/pythiaRegistry.js';
import { readDeviceView } from '../../src/chain/readDevice.js';
import { sendContractTransaction } from '../../src/chain/sendContractTransaction.js';
import { accessLogAbi, pythiaFleetAbi } from '../../src/contracts/abis.js';
import { decryptKeystore, readKeystoreFile } from '../../src/keystore/index.js';
import {
  ipcRequest,
  networkRpcUrls,
  nodeRpcEndpoint,
  NodeStartError,
  nodePaths,
  readNetworkConfig,
  readNetworkStatus,
  readNodeProcess,
  startNode,
  stopNetwork,
  stopNode,
  waitForNetworkReady,
  type NetworkConfig,
  type NetworkNode,
  type NetworkStatus,
} from '../../src/network/index.js';
import { createDeviceClient, generateDeviceKey, type DeviceKey } from '../../src/sdk/index.js';
import { AIR_QUALITY_CLASS_ID, airQualityProfile } from '../../src/protocol/airQuality.js';
import { startStack, type Stack } from '../../src/stack/startStack.js';
import { formatCrashReport, runValidatorCrash } from '../../src/testing/crash/index.js';
import { pythiaUpProcess, type PythiaUpProcess } from '../../src/testing/crash/pythiaUpProcess.js';
import { runPythia } from '../e2e/runPythia.js';
import { runAsStranger, socketInodesOf, tcpListeners } from '../../src/testing/stranger.js';
import { blockHashAt, blockNumberOf, freePortBlock, httpRpc, signerOfBlock, sleep, waitFor } from './networkKit.js';
import { executeOperation, readOperation } from '../../src/chain/timelock.js';

/**
 * The multi-validator network of issue #11 on real geth 1.13.15 processes, through the CLI where a
 * user would use it: 3 validators and an observer come up (ready within 30 s), every contract of
 * `pythia up` deploys and takes real transactions, and the network survives what partners' nodes
 * do: one validator down (blocks go on), two down (blocks stop), one back (they resume), a
 * validator killed with SIGKILL (it restarts from its own disk, nothing lost), readings through a
 * gateway while a validator at random is killed 3 times (none lost, none twice), a 4th partner voted
 * in by a majority (it seals). One network, these steps in order; a block every second.
 */
const passphrase = 'network-test-passphrase-not-a-secret';

type StrangerSigningAttempt = {
  signed: string[];
  ipc: string;
  answers: Array<{ url: string; sendTransaction?: string; sign?: string }>;
};

/**
 * A stranger's script: on each URL, eth_sendTransaction and eth_sign as the validator's signer
 * (what an unlocked key on HTTP would allow), then the same on the validator's IPC socket.
 */
const SIGN_WITH_VALIDATOR_SCRIPT = `
import { connect } from 'node:net';
const { urls, ipcPath, signer } = JSON.parse(process.env.INPUT);
const calls = [
  ['sendTransaction', 'eth_sendTransaction', [{ from: signer, to: signer, value: '0x0' }]],
  ['sign', 'eth_sign', [signer, '0xdeadbeef']],
];
const signed = [];
const answers = [];
// fetch's timeouts do not keep a process alive: this does, until every attempt has ended.
const alive = setInterval(() => {}, 1000);
for (const url of urls) {
  const answer = { url };
  for (const [name, method, params] of calls) {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'http://evil.example' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
        signal: AbortSignal.timeout(3000),
      });
      const text = await response.text();
      answer[name] = response.status + ' ' + text.slice(0, 200);
      if (/"result"/.test(text)) signed.push(url + ' ' + method);
    } catch (error) {
      answer[name] = String(error.cause?.code ?? error.message);
    }
  }
  answers.push(answer);
}
const ipc = await new Promise((resolve) => {
  const socket = connect(ipcPath);
  socket.once('connect', () => {
    socket.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_sign', params: [signer, '0xdeadbeef'] }) + '\\n');
    socket.once('data', (data) => { if (/"result"/.test(String(data))) signed.push('ipc eth_sign'); socket.destroy(); resolve('connected'); });
  });
  socket.once('error', (error) => resolve(error.code));
});
clearInterval(alive);
console.log(JSON.stringify({ signed, ipc, answers }));
`;
const pythia = (args: string[]) => runPythia(args, passphrase);
const PERIOD = 1;

let root: string;
let dir: string;
let dataDir: string;
let network: NetworkConfig;
let stack: Stack | undefined;
let up: PythiaUpProcess | undefined;
let roles: Stack['roles'];
let deployment: Deployment;
let clients: ChainClients;
/** Where the node's own processes reach a node: a validator's IPC socket, an observer's loopback HTTP. */
const urlOf = (node: NetworkNode) => nodeRpcEndpoint(dir, node);
const node = (name: string) => network.nodes.find((n) => n.name === name)!;
const nodeDir = (name: string) => join(dir, node(name).dir);
const status = async (): Promise<NetworkStatus> => JSON.parse((await ok(['network', 'status', '--dir', dir, '--json'])).stdout);

async function ok(args: string[]) {
  const result = await pythia(args);
  assert.equal(result.code, 0, `pythia ${args.join(' ')}: ${result.stderr}`);
  return result;
}

/** Waits until `url`'s head is at least `height`. */
const reaches = (url: string, height: number, timeoutMs: number) =>
  waitFor(`${url} at block ${height}`, async () => ((await blockNumberOf(url)) >= height ? true : undefined), timeoutMs);

describe('a Clique network of geth validators', { timeout: 600_000 }, () => {
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'pythia-net-'));
    dir = join(root, 'net');
    dataDir = join(root, 'pythia');
  });

  after(async () => {
    await stack?.stop().catch(() => undefined);
    await up?.stop().catch(() => undefined);
    if (existsSync(join(dir, 'network.json'))) await stopNetwork({ dir }).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  });

  it('pythia network init and up: 3 validators and an observer accept transactions within 30 s', async () => {
    const basePort = await freePortBlock(50);
    const init = JSON.parse(
      (
        await ok([
          'network',
          'init',
          '--validators',
          '3',
          '--observers',
          '1',
          '--dir',
          dir,
          '--period',
          String(PERIOD),
          '--base-port',
          String(basePort),
          '--fund-admin-of',
          dataDir,
          '--json',
        ])
      ).stdout,
    );
    network = readNetworkConfig(dir);
    assert.equal(init.chainId, network.chainId);
    assert.deepEqual(
      network.nodes.map((n) => [n.name, n.role, n.ports.p2p - basePort]),
      [
        ['validator-1', 'validator', 0],
        ['validator-2', 'validator', 10],
        ['validator-3', 'validator', 20],
        ['observer-1', 'observer', 30],
      ],
    );
    // The genesis names the three validators as signers and funds the admin of the Pythia data dir, nothing else.
    const genesis = JSON.parse(readFileSync(join(dir, 'genesis.json'), 'utf8'));
    const signers = network.nodes.filter((n) => n.role === 'validator').map((n) => n.address!.toLowerCase().slice(2));
    for (const s of signers) assert.ok(genesis.extraData.includes(s), `${s} in extraData`);
    assert.equal(Object.keys(genesis.alloc).length, 1);
    assert.equal(Object.keys(init.funded).length, 1);
    assert.equal('shanghaiTime' in genesis.config, false);

    // Refusals come before any key is made: an existing network folder, bad arguments (exit 2).
    const twice = await pythia(['network', 'init', '--validators', '1', '--dir', dir, '--fund-admin-of', join(root, 'other')]);
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /exists and is not an empty folder/);
    assert.equal(existsSync(join(root, 'other')), false, 'no role keys made for a refused init');
    const bad = await pythia(['network', 'init', '--validators', '0', '--dir', join(root, 'x')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /validators must be between 1 and 32/);
    // A wrong passphrase: geth refuses to unlock, the start fails with its reason and leaves no process.
    await assert.rejects(
      startNode({ nodeDir: nodeDir('validator-1'), passphrase: 'not the passphrase at all' }),
      (error: Error) => error instanceof NodeStartError && /could not decrypt key with given password/.test(error.message),
    );
    assert.equal(readNodeProcess(nodeDir('validator-1')).state, 'stopped');
    // A pid file left by a crash (here: a live process that is not this node's geth) is recognised as stale.
    writeFileSync(nodePaths(nodeDir('observer-1')).pidFile, `${process.pid}\n`);
    assert.equal(readNodeProcess(nodeDir('observer-1')).state, 'stale');

    const started = Date.now();
    const up = JSON.parse((await ok(['network', 'up', '--dir', dir, '--json'])).stdout);
    const wall = Date.now() - started;
    console.log(
      `# network up: 3 validators + 1 observer ready in ${up.readyMs} ms (${wall} ms including the CLI's start), block ${up.blockNumber}`,
    );
    assert.ok(up.readyMs < 30_000, `ready in ${up.readyMs} ms`);
    assert.deepEqual(
      up.nodes.map((n: { name: string; alreadyRunning: boolean }) => [n.name, n.alreadyRunning]),
      network.nodes.map((n) => [n.name, false]),
    );
    assert.deepEqual(
      up.rpcUrls.slice(0, 3),
      ['validator-1', 'validator-2', 'validator-3'].map((n) => urlOf(node(n))),
    );

    const s = await status();
    assert.deepEqual(
      s.nodes.map((n) => [n.name, n.running, n.sealing]),
      [
        ['validator-1', true, true],
        ['validator-2', true, true],
        ['validator-3', true, true],
        ['observer-1', true, false],
      ],
    );
    assert.deepEqual([...s.signers].sort(), network.nodes.flatMap((n) => (n.address ? [n.address] : [])).sort());
    assert.equal(s.signersNeeded, 2);
    for (const n of s.nodes) assert.equal(n.peers, 3, `${n.name} is connected to every other node`);
    // Starting again is a no-op.
    const again = JSON.parse((await ok(['network', 'up', '--dir', dir, '--node', 'observer-1', '--json'])).stdout);
    assert.equal(again.nodes[0].alreadyRunning, true);
  });

  it('a validator serves no HTTP: nobody else can use its unlocked signer key; an observer puts only eth, net and web3 on HTTP', async () => {
    // The observer's HTTP (it holds no key): eth, net and web3 only, strict Host, no CORS.
    const url = urlOf(node('observer-1'));
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(Number((await httpRpc(url, 'eth_chainId')).json?.result), network.chainId);
    for (const method of [
      'admin_peers',
      'admin_addPeer',
      'clique_propose',
      'clique_getSigners',
      'personal_listAccounts',
      'debug_setHead',
      'txpool_content',
      'miner_stop',
    ]) {
      const { json } = await httpRpc(url, method, []);
      assert.equal(json?.error?.code, -32601, `${method} must not exist on HTTP: ${JSON.stringify(json)}`);
    }
    const foreign = await httpRpc(url, 'eth_chainId', [], { host: 'evil.example' });
    assert.equal(foreign.status, 403, 'a foreign Host header is refused (DNS rebinding)');
    const preflight = await fetch(url, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(preflight.headers.get('access-control-allow-origin'), null, 'no CORS');

    // A stranger (another local user) tries to make validator-1 sign with its unlocked key, on
    // every port its geth listens on, on the observer's HTTP, and on its IPC socket: nothing signs.
    const validator = node('validator-1');
    const { pid } = readNodeProcess(nodeDir(validator.name)) as { pid: number };
    const gethSockets = socketInodesOf(pid);
    const ports = tcpListeners('self')
      .filter((l) => gethSockets.has(l.inode))
      .map((l) => l.port);
    assert.deepEqual(
      [...ports].sort(),
      [validator.ports.p2p, validator.ports.authrpc].sort(),
      'a validator listens for its peers and the (JWT-guarded) engine API only',
    );
    const attempt = await runAsStranger<StrangerSigningAttempt>(SIGN_WITH_VALIDATOR_SCRIPT, {
      urls: [...ports.map((p) => `http://127.0.0.1:${p}`), url],
      ipcPath: nodePaths(nodeDir(validator.name)).ipcPath,
      signer: validator.address,
    });
    assert.deepEqual(attempt.signed, [], `nothing signed for the stranger: ${JSON.stringify(attempt)}`);
    assert.equal(attempt.ipc, 'EACCES', 'the validator’s IPC socket is closed to other users');
    const observerAnswer = attempt.answers.find((a) => a.url === url);
    assert.match(String(observerAnswer?.sendTransaction), /unknown account/, 'the observer holds no key');

    for (const n of network.nodes) {
      const paths = nodePaths(nodeDir(n.name));
      assert.equal(statSync(paths.ipcPath).mode & 0o777, 0o600, `${n.name} socket`);
      assert.equal(statSync(paths.dataDir).mode & 0o777, 0o700, `${n.name} data dir`);
      assert.equal(statSync(nodeDir(n.name)).mode & 0o777, 0o700, `${n.name} folder`);
      assert.equal(await ipcRequest(paths.ipcPath, 'eth_mining'), n.role === 'validator');
      const proc = readNodeProcess(nodeDir(n.name));
      assert.equal(proc.state, 'running');
      const pid = (proc as { pid: number }).pid;
      for (const file of ['cmdline', 'environ']) {
        assert.equal(readFileSync(`/proc/${pid}/${file}`, 'utf8').includes(passphrase), false, `${n.name} ${file}`);
      }
      if (n.role === 'validator') assert.deepEqual(readdirSync(paths.runDir), [], `${n.name}: the passphrase FIFO is gone`);
    }
    // The signer key is on disk only encrypted: it decrypts to the validator's address, and its bytes appear in no file.
    const paths = nodePaths(nodeDir('validator-2'));
    const { privateKey, address } = await decryptKeystore(await readKeystoreFile(join(paths.keystoreDir, 'signer.json')), passphrase);
    assert.equal(address, node('validator-2').address);
    const secret = privateKey.slice(2);
    const files = (d: string): string[] =>
      readdirSync(d, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(join(d, e.name)) : e.isFile() ? [join(d, e.name)] : [],
      );
    for (const file of files(nodeDir('validator-2'))) {
      const content = readFileSync(file);
      assert.equal(content.includes(secret), false, `${file} holds the signer key in clear`);
      assert.equal(content.includes(passphrase), false, `${file} holds the passphrase`);
    }
  });

  it('deploys what pythia up deploys and every contract takes real transactions', async () => {
    const rpcUrl = urlOf(node('validator-1'));
    // A council's timelock with a short delay, so that a change of who may act (the class manufacturer
    // below) is seen scheduled, refused early and executed once ready on real blocks.
    stack = await startStack({ dataDir, passphrase, chain: { rpcUrls: [rpcUrl] }, gatewayPort: 0, mqtt: false, timelockDelaySeconds: 3n });
    deployment = stack.deployment;
    roles = stack.roles;
    assert.equal(deployment.chainId, network.chainId);
    assert.equal(deployment.embeddedChain, false);
    clients = createChainClients({ chainId: network.chainId, rpcUrl });
    const observer = createChainClients({ chainId: network.chainId, rpcUrl: urlOf(node('observer-1')) });
    const contracts = Object.entries(deployment.contracts) as Array<[string, Address]>;
    assert.deepEqual(contracts.map(([name]) => name).sort(), [
      'accessLog',
      'canaryRegistry',
      'consentRegistry',
      'deletionRequests',
      'deviceIdentity',
      'deviceOwnership',
      'feedMarket',
      'firmwareRegistry',
      'fleet',
      'policyRegistry',
      'pythiaRegistry',
      'recipientBonds',
      'recipientTerms',
      'sharingLog',
      'timelock',
    ]);
    for (const [name, address] of contracts) {
      const code = await waitFor(
        `${name} on the observer`,
        async () => (await observer.publicClient.getCode({ address })) || undefined,
        20_000,
      );
      assert.ok(code.length > 2, `${name} has code`);
    }
    const { operator, relayer, admin, pythia: pythiaKey } = stack.roles;
    const c = deployment.contracts;
    const fund = async (to: Address, ether: string) => {
      const hash = await clients.walletClient(admin).sendTransaction({ to, value: parseEther(ether) });
      assert.equal((await clients.publicClient.waitForTransactionReceipt({ hash })).status, 'success');
    };
    const as = (account: LocalAccount) => ({ clients, account });

    // PythiaRegistry: startStack registered the gateway's answer key.
    assert.equal(
      (await readPythia({ publicClient: clients.publicClient, registry: c.pythiaRegistry! }, pythiaKey.address)).status,
      'active',
    );

    // PythiaTimelock: deployed and wired through by real transactions, it is the fleet's admin (not the admin key).
    const DEFAULT_ADMIN_ROLE = `0x${'00'.repeat(32)}` as Hex;
    const isAdmin = (who: Address) =>
      clients.publicClient.readContract({
        address: c.fleet,
        abi: pythiaFleetAbi,
        functionName: 'hasRole',
        args: [DEFAULT_ADMIN_ROLE, who],
      });
    assert.equal(await isAdmin(c.timelock!), true);
    assert.equal(await isAdmin(admin.address), false);

    // PythiaFleet: a class profile and two devices, by the operator (who owns their ownership tokens).
    await sendContractTransaction({
      ...as(operator),
      address: c.fleet,
      abi: pythiaFleetAbi,
      functionName: 'setClassProfile',
      args: [AIR_QUALITY_CLASS_ID, airQualityProfile],
    });
    const devices: DeviceKey[] = [generateDeviceKey(), generateDeviceKey()];
    for (const d of devices) {
      await sendContractTransaction({
        ...as(operator),
        address: c.fleet,
        abi: pythiaFleetAbi,
        functionName: 'registerDevice',
        args: [d.publicKey, AIR_QUALITY_CLASS_ID],
      });
    }

    // Device-signed readings through the gateway, which relays them to the network.
    const domain = { chainId: network.chainId, verifyingContract: c.fleet };
    const client = createDeviceClient({ gatewayUrl: stack.gatewayUrl, key: devices[0]!, domain });
    const now = Math.floor(Date.now() / 1000);
    const sent = await client.sendReadings(
      Array.from({ length: 5 }, (_, i) => ({ values: [120 + i, 250, 300, 450, 2150, 5500], timestamp: now - 50 + 10 * i })),
    );
    assert.equal(sent.status, 202);
    for (let sequence = 1; sequence <= 5; sequence++) {
      const settled = await waitFor(
        `reading ${sequence} on chain`,
        async () => {
          const r = (await client.readingStatus(sequence)) as { status: string };
          return r.status === 'pending' ? undefined : r;
        },
        30_000,
      );
      assert.equal(settled.status, 'accepted', JSON.stringify(settled));
    }
    const onObserver = await waitFor(
      'the readings on the observer',
      async () => {
        const view = await readDeviceView({ publicClient: observer.publicClient, deployment }, devices[0]!.deviceId);
        return view.lastSequence === '5' ? view : undefined;
      },
      20_000,
    );
    assert.equal(onObserver.status, 'active');

    // PolicyRegistry: a policy that allows onward sharing.
    const policy = await publishPolicy({
      ...as(operator),
      address: c.policyRegistry!,
      name: 'network-test-sharing',
      contentHash: keccak256(stringToHex('network test policy')),
      uri: 'https://example.org/policies/network-test',
      terms: {
        onwardSharing: true,
        notifyOwner: false,
        deleteOnRevoke: false,
        retentionSeconds: 86_400n,
        deletionPeriodSeconds: 0n,
        penaltyWei: 0n,
        minimumBondWei: 0n,
      },
    });

    // ConsentRegistry: the owner (operator) grants a recipient both devices' pm2.5 under the policy.
    const recipient = nativeAccount(generatePrivateKey());
    const buyer = nativeAccount(generatePrivateKey());
    await fund(recipient.address, '10');
    await fund(buyer.address, '10');
    const expiry = BigInt(now + 30 * 86_400);
    const consent = await grantConsent({
      ...as(operator),
      address: c.consentRegistry!,
      recipient: recipient.address,
      devices: devices.map((d) => d.deviceId),
      streams: 1,
      commands: 0,
      purpose: 'network test',
      policyId: policy.policyId,
      expiry,
    });
    const permitted = await checkConsent({
      publicClient: clients.publicClient,
      registry: c.consentRegistry!,
      consentId: consent.consentId,
      device: devices[0]!.deviceId,
      recipient: recipient.address,
      streams: 1,
    });
    assert.equal(permitted.permitted, true);
    // RecipientTerms: the recipient accepts the consent's terms (its bond is at stake from now on).
    const accepted = await acceptTerms({ ...as(recipient), address: c.recipientTerms!, consentId: consent.consentId });
    assert.equal(accepted.terms.consentId, consent.consentId);
    assert.ok(
      (await readTerms({ publicClient: clients.publicClient, address: c.recipientTerms!, consentId: consent.consentId })).acceptedAt > 0n,
    );

    // AccessLog: the relayer logs a delivery under the consent.
    const delivery = {
      consentId: consent.consentId,
      device: devices[0]!.deviceId,
      recipient: recipient.address,
      streams: 1,
      readings: 5,
      dataHash: keccak256(stringToHex('delivery')),
    };
    await sendContractTransaction({
      ...as(relayer),
      address: c.accessLog!,
      abi: accessLogAbi,
      functionName: 'logDeliveries',
      args: [[delivery]],
    });
    // RecipientBonds, SharingLog, CanaryRegistry, DeletionRequests.
    await depositBond({ ...as(recipient), address: c.recipientBonds!, value: parseEther('1') });
    assert.equal(
      (await readBond({ publicClient: clients.publicClient, address: c.recipientBonds!, recipient: recipient.address })).bond,
      parseEther('1'),
    );
    await logSharing({
      ...as(recipient),
      address: c.sharingLog!,
      consentId: consent.consentId,
      sharedWith: buyer.address,
      dataHash: keccak256(stringToHex('shared file')),
      purpose: 'a partner study',
    });
    await commitCanaries({
      ...as(relayer),
      address: c.canaryRegistry!,
      canaries: [{ commitment: keccak256(stringToHex('canary')), delivery: deliveryProof([delivery], 0) }],
    });
    const latest = await clients.publicClient.getBlock();
    await requestDeletion({
      ...as(operator),
      address: c.deletionRequests!,
      consentId: consent.consentId,
      devices: [],
      streams: 0,
      fromTime: 0n,
      toTime: latest.timestamp,
      deadline: latest.timestamp + 2n * 86_400n,
    });
    // The owner revokes: the consent stops permitting.
    await revokeConsent({ ...as(operator), address: c.consentRegistry!, consentId: consent.consentId });
    assert.equal(
      (await readConsent({ publicClient: clients.publicClient, registry: c.consentRegistry!, consentId: consent.consentId })).status,
      'revoked',
    );

    // FeedMarket: the owner offers a feed of device 1, a buyer buys a period.
    await setMarketGrantAgent({ ...as(operator), address: c.feedMarket!, allowed: true });
    const feed = await offerFeed({
      ...as(operator),
      address: c.feedMarket!,
      devices: [devices[0]!.deviceId],
      streams: 1,
      price: parseEther('0.01'),
      period: 86_400n,
      purpose: 'network feed',
    });
    const bought = await buyFeed({ ...as(buyer), address: c.feedMarket!, feedId: feed.feedId, price: parseEther('0.01') });
    assert.ok(bought.consentId > consent.consentId);

    // DeviceOwnership: device 2 changes hands.
    await offerTransfer({ ...as(operator), address: c.deviceOwnership!, device: devices[1]!.deviceId, to: buyer.address });
    await acceptTransfer({ ...as(buyer), address: c.deviceOwnership!, device: devices[1]!.deviceId });
    assert.equal(
      (await readOwnership({ publicClient: clients.publicClient, ownership: c.deviceOwnership! }, devices[1]!.deviceId)).owner,
      buyer.address,
    );

    // DeviceIdentity and FirmwareRegistry: a manufacturer provisions a device and sets its class's release keys.
    const manufacturerKey = generatePrivateKey();
    const manufacturer = nativeAccount(manufacturerKey);
    await fund(manufacturer.address, '10');
    // Only the timelock assigns a class's manufacturer (issue #12): scheduled now, executed after the delay.
    const scheduled = await assignClassManufacturer({
      ...as(admin),
      identity: c.deviceIdentity!,
      timelock: c.timelock!,
      classId: AIR_QUALITY_CLASS_ID,
      manufacturer: manufacturer.address,
    });
    assert.equal(scheduled.executed, null, 'waits for the delay');
    assert.equal(scheduled.delay, 3n);
    await assert.rejects(executeOperation({ ...as(admin), address: c.timelock!, calls: scheduled.calls, salt: scheduled.salt }));
    await waitFor(
      'the manufacturer assignment to be ready',
      async () =>
        (await readOperation({ publicClient: clients.publicClient, timelock: c.timelock!, operationId: scheduled.operationId })).state ===
          'ready' || undefined,
      30_000,
    );
    await executeOperation({ ...as(admin), address: c.timelock!, calls: scheduled.calls, salt: scheduled.salt });
    const provisioned = await provisionDevices({
      ...as(manufacturer),
      address: c.deviceIdentity!,
      classId: AIR_QUALITY_CLASS_ID,
      publicKeys: [generateDeviceKey().publicKey],
      manufacturerKey,
    });
    assert.equal(
      (await readOwnership({ publicClient: clients.publicClient, ownership: c.deviceOwnership! }, provisioned.devices[0]!.device)).owner,
      manufacturer.address,
    );
    const releaseKey = nativeAccount(generatePrivateKey());
    await setReleaseKeys({
      ...as(manufacturer),
      address: c.firmwareRegistry!,
      classId: AIR_QUALITY_CLASS_ID,
      keys: [releaseKey.address],
      threshold: 1,
    });

    // Every node holds the same chain: the observer reaches the validator's head with the same hash.
    const head = Number(await clients.publicClient.getBlockNumber({ cacheTime: 0 }));
    await reaches(urlOf(node('observer-1')), head, 10_000);
    assert.equal(await blockHashAt(urlOf(node('observer-1')), head - 1), await blockHashAt(urlOf(node('validator-1')), head - 1));
  });

  it('one validator down: blocks go on and readings settle; two down: no blocks; one back: blocks resume', async () => {
    const v1 = urlOf(node('validator-1'));
    const down = JSON.parse((await ok(['network', 'down', '--dir', dir, '--node', 'validator-3', '--json'])).stdout);
    assert.deepEqual(
      down.map((r: { name: string; was: string; killed: boolean }) => [r.name, r.was, r.killed]),
      [['validator-3', 'running', false]],
    );
    const h0 = await blockNumberOf(v1);
    await reaches(v1, h0 + 3, 15_000);
    // A reading still settles with 2 of 3 signers.
    const device = generateDeviceKey();
    await sendContractTransaction({
      clients,
      account: stack!.roles.operator,
      address: deployment.contracts.fleet,
      abi: pythiaFleetAbi,
      functionName: 'registerDevice',
      args: [device.publicKey, AIR_QUALITY_CLASS_ID],
    });
    const client = createDeviceClient({
      gatewayUrl: stack!.gatewayUrl,
      key: device,
      domain: { chainId: network.chainId, verifyingContract: deployment.contracts.fleet },
    });
    await client.sendReading([120, 250, 300, 450, 2150, 5500]);
    const settled = await waitFor(
      'a reading with one validator down',
      async () => {
        const r = (await client.readingStatus(1)) as { status: string };
        return r.status === 'pending' ? undefined : r;
      },
      30_000,
    );
    assert.equal(settled.status, 'accepted');

    await stopNode({ nodeDir: nodeDir('validator-2') });
    const s = await readNetworkStatus({ dir });
    assert.equal(s.signersSealing, 1);
    assert.equal(s.signersNeeded, 2);
    await sleep(3 * PERIOD * 1000); // the lone signer may seal one block of its turn, never two in a row
    const stalled = await blockNumberOf(v1);

    // No blocks: the gateway still acknowledges readings (stored durably), and none settles.
    // After reading 1 (signed a few seconds ago), 6 s apart (the profile's minimum interval is 5 s).
    const stalledReadings = 16;
    const firstTimestamp = Math.floor(Date.now() / 1000) + 6;
    for (let i = 0; i < stalledReadings; i += 8) {
      const sent = await client.sendReadings(
        Array.from({ length: 8 }, (_, j) => ({
          values: [120 + i + j, 250, 300, 450, 2150, 5500],
          timestamp: firstTimestamp + 6 * (i + j),
        })),
      );
      assert.equal(sent.status, 202, JSON.stringify(sent));
    }
    await sleep(6 * PERIOD * 1000);
    assert.equal(await blockNumberOf(v1), stalled, 'one signer of three cannot seal');
    assert.equal(await blockNumberOf(urlOf(node('observer-1'))), stalled);
    for (let sequence = 2; sequence <= stalledReadings + 1; sequence++) {
      assert.equal(((await client.readingStatus(sequence)) as { status: string }).status, 'pending', `reading ${sequence} waits`);
    }

    // One validator back: blocks resume and every reading acknowledged meanwhile is recorded, then final.
    await startNode({ nodeDir: nodeDir('validator-2'), passphrase });
    // Generous on a loaded CI machine: the returning validator syncs, then the pool's batches are sealed.
    await reaches(v1, stalled + 3, 45_000);
    await reaches(urlOf(node('validator-2')), stalled + 3, 45_000);
    for (let sequence = 2; sequence <= stalledReadings + 1; sequence++) {
      const reading = await waitFor(
        `reading ${sequence} final after the stall`,
        async () => {
          const r = (await client.readingStatus(sequence)) as { status: string; finality: string };
          return r.finality === 'final' ? r : undefined;
        },
        30_000,
      );
      assert.equal(reading.status, 'accepted', `reading ${sequence}`);
    }
  });

  it('a validator killed with SIGKILL at a random moment restarts from its own disk with nothing lost', async () => {
    await startNode({ nodeDir: nodeDir('validator-3'), passphrase });
    await waitForNetworkReady({ dir, timeoutMs: 30_000 });
    const v1 = urlOf(node('validator-1'));
    const victim = 'validator-2';
    const victimUrl = urlOf(node(victim));
    const sender = nativeAccount(generatePrivateKey());
    const sink = nativeAccount(generatePrivateKey()).address;
    {
      const hash = await clients.walletClient(stack!.roles.admin).sendTransaction({ to: sender.address, value: parseEther('100') });
      await clients.publicClient.waitForTransactionReceipt({ hash });
    }
    // Transfers keep coming (ten in flight at a time), each acknowledged by its receipt, while the validator is killed.
    const acknowledged: Array<{ hash: Hex; value: bigint }> = [];
    let sending = true;
    const load = (async () => {
      const wallet = clients.walletClient(sender);
      let nonce = await clients.publicClient.getTransactionCount({ address: sender.address, blockTag: 'pending' });
      for (let round = 0; sending; round++) {
        const batch = await Promise.all(
          Array.from({ length: 10 }, async (_, i) => {
            const value = BigInt(round * 10 + i + 1);
            return { hash: await wallet.sendTransaction({ to: sink, value, nonce: nonce + i }), value };
          }),
        );
        nonce += batch.length;
        for (const t of batch) {
          await clients.publicClient.waitForTransactionReceipt({ hash: t.hash });
          acknowledged.push(t);
        }
      }
    })();
    await sleep(1000 + Math.floor(Math.random() * 4000));
    const beforeKill = await blockNumberOf(victimUrl);
    const { pid } = readNodeProcess(nodeDir(victim)) as { pid: number };
    process.kill(pid, 'SIGKILL');
    await waitFor(
      'the killed geth to be gone',
      async () => (readNodeProcess(nodeDir(victim)).state === 'running' ? undefined : true),
      10_000,
    );
    assert.equal(readNodeProcess(nodeDir(victim)).state, 'stale', 'its pid file is left behind and recognised as stale');
    await sleep(2000);
    sending = false;
    await load;
    assert.ok(acknowledged.length > 0, 'transfers were acknowledged during the run');

    await startNode({ nodeDir: nodeDir(victim), passphrase });
    // From its own disk: the head it loaded is where it was, not rewound to an older flushed state.
    const log = readFileSync(nodePaths(nodeDir(victim)).logFile, 'utf8');
    const thisStart = log.slice(log.lastIndexOf('=== pythia:'));
    const loaded = Number(/Loaded most recent local block\s+number=(\d+)/.exec(thisStart)?.[1]);
    assert.ok(loaded >= beforeKill, `loaded block ${loaded} after the kill, had ${beforeKill} before`);
    assert.doesNotMatch(thisStart, /Head state missing|repairing/i);
    console.log(
      `# kill -9 of ${victim} at block ${beforeKill}: restarted at block ${loaded}, ${acknowledged.length} transfers acknowledged`,
    );

    const target = await blockNumberOf(v1);
    await reaches(victimUrl, target, 20_000);
    const common = target - 1;
    assert.equal(await blockHashAt(victimUrl, common), await blockHashAt(v1, common), 'the same chain');
    // Every acknowledged transfer is in the canonical chain of the restarted node, and the sink holds their sum.
    const victimClient = createChainClients({ chainId: network.chainId, rpcUrl: victimUrl });
    for (const { hash } of acknowledged) {
      // geth indexes transactions in the background after a start: a receipt may take a moment to be served.
      const receipt = await waitFor(
        `the receipt of ${hash} on the restarted ${victim}`,
        () => victimClient.publicClient.getTransactionReceipt({ hash }),
        30_000,
      );
      assert.equal(receipt.status, 'success');
      assert.equal(await blockHashAt(victimUrl, Number(receipt.blockNumber)), receipt.blockHash, `${hash} is canonical`);
    }
    const expected = acknowledged.reduce((sum, t) => sum + t.value, 0n);
    assert.equal(await victimClient.publicClient.getBalance({ address: sink }), expected);
  });

  it('pythia up --network DIR runs the gateway against every node and fails over when the node it uses stops', async () => {
    await stack?.stop();
    stack = undefined;
    up = pythiaUpProcess({
      args: ['--network', dir, '--data-dir', dataDir, '--port', '0', '--no-mqtt'],
      passphrase,
      logPath: join(root, 'pythia-up.log'),
    });
    await up.start();
    const upDeployment = up.deployment!;
    assert.equal(upDeployment.contracts.fleet, deployment.contracts.fleet, 'the deployment is found again, not repeated');
    const v1 = urlOf(node('validator-1'));
    const health = async () => (await (await fetch(`${upDeployment.gatewayUrl}/healthz`)).json()) as { relayer: { rpcUrl?: string } };
    assert.equal((await health()).relayer.rpcUrl, v1, 'the first node in use');

    const device = generateDeviceKey();
    await sendContractTransaction({
      clients,
      account: roles.operator,
      address: deployment.contracts.fleet,
      abi: pythiaFleetAbi,
      functionName: 'registerDevice',
      args: [device.publicKey, AIR_QUALITY_CLASS_ID],
    });
    const client = createDeviceClient({
      gatewayUrl: upDeployment.gatewayUrl,
      key: device,
      domain: { chainId: network.chainId, verifyingContract: deployment.contracts.fleet },
    });
    await stopNode({ nodeDir: nodeDir('validator-1') });
    try {
      const t0 = Math.floor(Date.now() / 1000);
      const sent = await client.sendReadings(
        Array.from({ length: 5 }, (_, i) => ({ values: [120 + i, 250, 300, 450, 2150, 5500], timestamp: t0 + 6 * i })),
      );
      assert.equal(sent.status, 202, JSON.stringify(sent));
      for (let sequence = 1; sequence <= 5; sequence++) {
        const reading = await waitFor(
          `reading ${sequence} final through another node`,
          async () => {
            const r = (await client.readingStatus(sequence)) as { status: string; finality: string };
            return r.finality === 'final' ? r : undefined;
          },
          90_000,
        ).catch(async (error: Error) => {
          const log = readFileSync(join(root, 'pythia-up.log'), 'utf8').slice(-4000);
          throw new Error(`${error.message}; gateway: ${JSON.stringify((await health()).relayer)}; log: ${log}`);
        });
        assert.equal(reading.status, 'accepted');
      }
      const inUse = (await health()).relayer.rpcUrl;
      assert.ok(inUse && inUse !== v1 && networkRpcUrls(dir, network).includes(inUse), `failed over from ${v1} to ${inUse}`);
    } finally {
      await startNode({ nodeDir: nodeDir('validator-1'), passphrase });
    }
    // validator-1 back in the network, on the same chain as the others, before the next steps.
    await waitForNetworkReady({ dir, timeoutMs: 30_000 });
    const head = await blockNumberOf(urlOf(node('validator-2')));
    await reaches(v1, head + 2, 20_000);
    assert.equal(await blockHashAt(v1, head), await blockHashAt(urlOf(node('validator-2')), head));
    assert.equal(await up.terminate(), 0, 'Ctrl-C stops it cleanly');
    await up.stop();
    up = undefined;
  });

  it('an observer follows the chain and never seals', async () => {
    const observer = node('observer-1');
    const { ipcPath } = nodePaths(nodeDir(observer.name));
    const head = await blockNumberOf(urlOf(node('validator-1')));
    await reaches(urlOf(observer), head, 10_000);
    assert.equal(await blockHashAt(urlOf(observer), head), await blockHashAt(urlOf(node('validator-1')), head));
    const validators = network.nodes.flatMap((n) => (n.address ? [n.address.toLowerCase()] : []));
    for (let height = Math.max(1, head - 30); height <= head; height++) {
      assert.ok(validators.includes((await signerOfBlock(ipcPath, height)).toLowerCase()), `block ${height} sealed by a validator`);
    }
    assert.equal(await ipcRequest(ipcPath, 'eth_mining'), false);
    const s = (await status()).nodes.find((n) => n.name === observer.name)!;
    assert.equal(s.sealing, false);
    assert.equal(s.address, undefined);
  });

  it('kill -9 of one validator at random, 3 times in 1,200 readings: every acknowledged reading on chain exactly once', async () => {
    const report = await runValidatorCrash({
      totalReadings: 1_200,
      kills: 3,
      devices: 10,
      network: {
        dir,
        passphrase,
        chainId: network.chainId,
        fleetAddress: deployment.contracts.fleet,
        operator: roles.operator,
        relayer: roles.relayer,
      },
    });
    console.log(formatCrashReport(report).replace(/^/gm, '# '));
    assert.equal(report.kills.length, 3);
    assert.equal(report.acknowledged, 1_200);
    assert.deepEqual(report.lost, [], 'no acknowledged reading lost');
    assert.deepEqual(report.duplicated, [], 'none recorded twice');
    assert.deepEqual(report.unexpected, []);
    assert.equal(report.onChainOnce, 1_200);
    // A reading answered final never changes: none seen final moved back, none contradicted on chain.
    assert.deepEqual(report.finalsMovedBack, [], 'no final reading moved back');
    assert.ok(report.finalsWatched >= 1_000, `${report.finalsWatched} readings watched once final`);
    assert.equal(report.gateway?.finalContradicted, 0, 'no final batch contradicted by the chain');
    await waitForNetworkReady({ dir, timeoutMs: 30_000 });
  });

  it('a 4th partner joins: its validator is voted in by a majority and seals', async () => {
    const added: NetworkNode = JSON.parse((await ok(['network', 'add-node', '--dir', dir, '--json'])).stdout);
    assert.equal(added.name, 'validator-4');
    network = readNetworkConfig(dir);
    assert.equal(node('validator-4').ports.p2p, node('observer-1').ports.p2p + 10);
    // The others list it as a static peer for their next start.
    assert.ok(readFileSync(nodePaths(nodeDir('validator-1')).gethConfig, 'utf8').includes(added.enode));
    await ok(['network', 'up', '--dir', dir, '--node', 'validator-4']);
    let s = await status();
    const fourth = () => s.nodes.find((n) => n.name === 'validator-4')!;
    assert.equal(fourth().running, true);
    assert.equal(fourth().sealing, false, 'not a signer yet');
    assert.equal(s.signers.includes(added.address!), false);

    // One vote of three is not a majority.
    await ok(['network', 'propose', added.address!, 'add', '--validator', '1', '--dir', dir]);
    const v1 = urlOf(node('validator-1'));
    await reaches(v1, (await blockNumberOf(v1)) + 4, 15_000);
    s = await status();
    assert.equal(s.signers.length, 3);
    assert.deepEqual(s.nodes.find((n) => n.name === 'validator-1')!.proposals, [{ address: added.address, vote: 'add' }]);
    assert.ok(
      s.nodes.some((n) => n.openVotes?.some((v) => v.address === added.address && v.votes === 1)),
      'one vote on chain',
    );

    // The second vote decides.
    await ok(['network', 'propose', added.address!, 'add', '--validator', '2', '--dir', dir]);
    await waitFor(
      'validator-4 in the signer list',
      async () => ((await status()).signers.includes(added.address!) ? true : undefined),
      20_000,
      500,
    );
    const { ipcPath } = nodePaths(nodeDir('validator-4'));
    const sealed = await waitFor(
      'a block sealed by validator-4',
      async () => {
        const head = await blockNumberOf(v1);
        for (let h = head; h > head - 4; h--) {
          if ((await signerOfBlock(ipcPath, h)).toLowerCase() === added.address!.toLowerCase()) return h;
        }
        return undefined;
      },
      30_000,
      500,
    );
    s = await status();
    assert.equal(s.signers.length, 4);
    assert.equal(s.signersNeeded, 3);
    assert.equal(fourth().sealing, true);
    console.log(`# validator-4 voted in by 2 of 3, sealed block ${sealed}`);
  });
});
