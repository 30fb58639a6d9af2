import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Address, encodeFunctionData, type Hex, maxUint64, zeroHash } from 'viem';
import { startAnvil } from '../../src/chain/anvil.js';
import { callRpc } from '../../src/chain/anvilRpc.js';
import { createChainClients } from '../../src/chain/clients.js';
import type { Deployment } from '../../src/chain/deployment.js';
import { consentRegistryAbi } from '../../src/contracts/abis.js';
import { airQualityProfile } from '../../src/protocol/airQuality.js';
import { generateDeviceKey } from '../../src/sdk/index.js';
import { pythiaUpProcess, type PythiaUpProcess } from '../../src/testing/crash/pythiaUpProcess.js';
import { descendantPids } from '../../src/testing/processTree.js';
import { runAsStranger, socketInodesOf, tcpListeners } from '../../src/testing/stranger.js';
import { runPythia } from './runPythia.js';

const passphrase = 'chain-rpc-test-passphrase-not-a-secret';
const ALL_STREAMS = 0b111111;

type AttackReport = {
  /** Endpoints that answered with code at the consent registry's address: this node's chain. */
  found: string[];
  /** What the attack's calls answered there (a result is a success). */
  attack: Array<{ endpoint: string; method: string; answer: string }>;
  ipc: string;
};

/**
 * The attack of issue #17, point 1, as another local user or a web page would run it: find the
 * node's chain among the TCP ports listening on loopback or held by the node (asking, with a web page's Origin, for
 * the code at the consent registry's address, so that no other chain on the machine is touched),
 * then `anvil_impersonateAccount` the device's owner and `eth_sendTransaction` a consent to
 * itself; and the same on the chain's IPC socket. A DNS-rebinding page reaches the same ports
 * under another Host name: there is no port of the chain for it either.
 */
const ATTACK_SCRIPT = `
import { connect } from 'node:net';
const { ports, registry, owner, data, ipcPath } = JSON.parse(process.env.INPUT);
const post = async (url, method, params) => {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: 'http://attacker.example' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(2000),
  });
  return response.json();
};
const found = [];
const attack = [];
// fetch's timeouts do not keep a process alive: this does, until every probe has ended.
const alive = setInterval(() => {}, 1000);
await Promise.all(ports.map(async (port) => {
  const url = 'http://127.0.0.1:' + port;
  try {
    const code = await post(url, 'eth_getCode', [registry, 'latest']);
    if (typeof code.result !== 'string' || code.result.length <= 2) return;
  } catch {
    return;
  }
  found.push(url);
  for (const [method, params] of [
    ['anvil_impersonateAccount', [owner]],
    ['eth_sendTransaction', [{ from: owner, to: registry, data }]],
  ]) {
    try {
      attack.push({ endpoint: url, method, answer: JSON.stringify(await post(url, method, params)) });
    } catch (error) {
      attack.push({ endpoint: url, method, answer: String(error) });
    }
  }
}));
const ipc = await new Promise((resolve) => {
  const socket = connect(ipcPath);
  socket.once('connect', () => {
    socket.write(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'anvil_impersonateAccount', params: [owner] }) + '\\n');
    socket.once('data', () => { socket.destroy(); resolve('connected'); });
  });
  socket.once('error', (error) => resolve(error.code));
});
clearInterval(alive);
console.log(JSON.stringify({ found, attack, ipc }));
`;

describe('the chain RPC is the node’s alone (docs/security.md, "Chain RPC")', { timeout: 300_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-chain-rpc-'));
  const dataDir = join(dir, 'node');
  let up: PythiaUpProcess;
  let deployment: Deployment;
  let owner: Address;
  let device: Address;
  let control: Awaited<ReturnType<typeof startAnvil>> | undefined;
  after(async () => {
    await control?.stop();
    await up?.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  const grantsToStranger = async (stranger: Address) => {
    const { publicClient } = createChainClients(deployment);
    const granted = await publicClient.getContractEvents({
      address: deployment.contracts.consentRegistry!,
      abi: consentRegistryAbi,
      eventName: 'ConsentGranted',
      fromBlock: BigInt(deployment.deploymentBlock),
    });
    return granted.filter((event) => (event.args as { recipient?: Address }).recipient === stranger).length;
  };

  before(async () => {
    up = pythiaUpProcess({ args: ['--chain', 'anvil', '--data-dir', dataDir, '--port', '0', '--no-mqtt'], passphrase });
    await up.start();
    deployment = up.deployment!;
  });

  it('pythia up records the chain as its 0600 IPC socket, and the node’s own CLI works through it', async () => {
    assert.equal(deployment.rpcUrl, join(dataDir, 'chain', 'anvil.ipc'));
    assert.equal(statSync(deployment.rpcUrl).mode & 0o777, 0o600);
    assert.ok(statSync(deployment.rpcUrl).isSocket());
    const profile = join(dir, 'profile.json');
    writeFileSync(profile, JSON.stringify(airQualityProfile));
    const profiled = await runPythia(['profile', 'set', '--class', '1', '--file', profile, '--data-dir', dataDir], passphrase);
    assert.equal(profiled.code, 0, profiled.stderr);
    const key = generateDeviceKey();
    const registered = await runPythia(['device', 'register', key.publicKey, '--class', '1', '--data-dir', dataDir, '--json'], passphrase);
    assert.equal(registered.code, 0, registered.stderr);
    assert.equal(JSON.parse(registered.stdout).device, key.deviceId);
    const shown = await runPythia(['device', 'show', key.deviceId, '--data-dir', dataDir, '--json'], passphrase);
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal(JSON.parse(shown.stdout).status, 'active');
    device = key.deviceId;
    owner = deployment.roles.operator; // the registering operator holds the device's ownership token first
  });

  it('another local user and a web page cannot impersonate the device’s owner to grant themselves a consent', async () => {
    assert.ok(device, 'the device of the previous step');
    const stranger = generateDeviceKey().deviceId;
    const data = encodeFunctionData({
      abi: consentRegistryAbi,
      functionName: 'grantConsent',
      args: [
        {
          recipient: stranger,
          devices: [device],
          streams: ALL_STREAMS,
          commands: 0,
          policyId: zeroHash,
          start: 0n,
          expiry: maxUint64,
        },
        'taken without a key',
      ],
    });
    // The control: an Anvil open on loopback (as the embedded chain was before), with code at the
    // registry's address. The stranger must find it and take it over: the attack works where a port is open.
    const open = await startAnvil({ chainId: 31_998 });
    control = open;
    await callRpc(open.rpcUrl, 'anvil_setCode', [deployment.contracts.consentRegistry, '0x00']);
    await callRpc(open.rpcUrl, 'anvil_setBalance', [owner, '0xde0b6b3a7640000']);
    // Every TCP port of the node's processes (`pythia up` and its children) and every port bound to
    // loopback (where Anvil listened before, and what a web page reaches as localhost). Wildcard
    // listeners of other programs of the machine are left alone.
    const nodePids = [up.pid!, ...descendantPids(up.pid!)];
    const nodeSockets = new Set(nodePids.flatMap((pid) => [...socketInodesOf(pid)]));
    const loopback = (address: string) => address.endsWith('7F') || address === '00000000000000000000000001000000';
    const input = {
      ports: [
        ...new Set(
          tcpListeners('self')
            .filter((l) => nodeSockets.has(l.inode) || loopback(l.address))
            .map((l) => l.port),
        ),
      ],
      registry: deployment.contracts.consentRegistry!,
      owner,
      data,
      ipcPath: deployment.rpcUrl,
    };
    const report = await runAsStranger<AttackReport>(ATTACK_SCRIPT, input, 120_000);
    assert.deepEqual(report.found, [open.rpcUrl], `only the open control chain answers: ${JSON.stringify(report.attack)}`);
    const sent = report.attack.find((a) => a.endpoint === open.rpcUrl && a.method === 'eth_sendTransaction');
    assert.match(sent?.answer ?? '', /"result":"0x[0-9a-f]{64}"/, 'on the open control chain, the stranger sent as the owner');
    await open.stop();
    assert.equal(report.ipc, 'EACCES', 'the IPC socket is closed to other users');
    assert.equal(await grantsToStranger(stranger), 0, 'no consent was granted');

    // The same payload works for whoever holds the channel (the node's own user): the attack was real, only the channel is closed.
    await callRpc(deployment.rpcUrl, 'anvil_impersonateAccount', [owner]);
    const hash = await callRpc<Hex>(deployment.rpcUrl, 'eth_sendTransaction', [
      { from: owner, to: deployment.contracts.consentRegistry, data },
    ]);
    await createChainClients(deployment).publicClient.waitForTransactionReceipt({ hash });
    await callRpc(deployment.rpcUrl, 'anvil_stopImpersonatingAccount', [owner]);
    assert.equal(await grantsToStranger(stranger), 1);
  });
});
