// Writes the chain-proof vectors (sdk-c/test/chain_proof_vectors.json) from a real geth 1.13.15 Clique
// network: 3 validators, a block a second, checkpoints every 8 blocks, the contracts of `pythia up`,
// an active, a suspended and an unregistered device, and eth_getProof of their fleet records.
// `node --import tsx scripts/write-chain-proof-vectors.ts` (about a minute); it stops every node it started.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEther, type Address, type Hex } from 'viem';
import { callRpc } from '../src/chain/anvilRpc.js';
import { createChainClients } from '../src/chain/clients.js';
import { readDeviceStatusProof } from '../src/chain/readDeviceStatusProof.js';
import { loadOrCreateRoleKeys } from '../src/chain/roleKeys.js';
import { sendContractTransaction } from '../src/chain/sendContractTransaction.js';
import { pythiaFleetAbi } from '../src/contracts/abis.js';
import { initNetwork, nodeRpcEndpoint, startNetwork, stopNetwork, waitForNetworkReady } from '../src/network/index.js';
import { AIR_QUALITY_CLASS_ID, airQualityProfile } from '../src/protocol/airQuality.js';
import { generateDeviceKey } from '../src/sdk/index.js';
import { startStack, type Stack } from '../src/stack/startStack.js';
import { freePortBlock } from '../src/testing/freePortBlock.js';

const EPOCH = 8;
const passphrase = 'chain-proof-vectors-not-a-secret';
const root = mkdtempSync(join(tmpdir(), 'pythia-chainproof-'));
const dir = join(root, 'net');
const dataDir = join(root, 'pythia');
let stack: Stack | undefined;
let started = false;
try {
  const roles = await loadOrCreateRoleKeys({ dataDir, passphrase, scryptN: 1024 });
  const network = await initNetwork({
    dir,
    validators: 3,
    period: 1,
    epoch: EPOCH,
    basePort: await freePortBlock(30),
    fund: { [roles.admin.address]: parseEther('1000000') },
    passphrase,
    scryptN: 1024,
  });
  started = true;
  await startNetwork({ dir, passphrase });
  await waitForNetworkReady({ dir });
  const rpcUrl = nodeRpcEndpoint(dir, network.nodes[0]!);
  console.error('network up; deploying');
  stack = await startStack({
    dataDir,
    passphrase,
    chain: { rpcUrls: [rpcUrl] },
    gatewayPort: 0,
    mqtt: false,
    timelockDelaySeconds: 1n,
    scryptN: 1024,
  });
  const fleet = stack.deployment.contracts.fleet;
  const clients = createChainClients({ chainId: network.chainId, rpcUrl });
  const operator = { clients, account: stack.roles.operator };
  await sendContractTransaction({
    ...operator,
    address: fleet,
    abi: pythiaFleetAbi,
    functionName: 'setClassProfile',
    args: [AIR_QUALITY_CLASS_ID, airQualityProfile],
  });
  const active = generateDeviceKey();
  const suspended = generateDeviceKey();
  const unregistered = generateDeviceKey();
  for (const d of [active, suspended])
    await sendContractTransaction({
      ...operator,
      address: fleet,
      abi: pythiaFleetAbi,
      functionName: 'registerDevice',
      args: [d.publicKey, AIR_QUALITY_CLASS_ID],
    });
  await sendContractTransaction({
    ...operator,
    address: fleet,
    abi: pythiaFleetAbi,
    functionName: 'suspendDevice',
    args: [suspended.deviceId, 'vectors'],
  });
  console.error('devices registered; collecting');
  const head = BigInt(await callRpc<Hex>(rpcUrl, 'eth_blockNumber', [], 10_000));
  const rawHeader = (n: bigint) => callRpc<Hex>(rpcUrl, 'debug_getRawHeader', [`0x${n.toString(16)}`], 10_000);
  const checkpoints: Hex[] = [];
  for (let n = BigInt(EPOCH); n <= head; n += BigInt(EPOCH)) checkpoints.push(await rawHeader(n));
  // The blocks of the last epoch before the head: in-turn and out-of-turn seals by each validator.
  const epochStart = head - (head % BigInt(EPOCH));
  const headers: Hex[] = [];
  for (let n = epochStart + 1n; n < head; n++) headers.push(await rawHeader(n));
  const proofs: Array<{ name: string; device: Address; status: string; proof: unknown }> = [];
  for (const [name, device] of [
    ['active', active.deviceId],
    ['suspended', suspended.deviceId],
    ['unregistered', unregistered.deviceId],
  ] as const) {
    const { proof } = await readDeviceStatusProof({ publicClient: clients.publicClient, fleet, device, blockNumber: head });
    proofs.push({ name, device, status: name === 'unregistered' ? 'none' : name, proof });
  }
  const block = await callRpc<{ hash: Hex; timestamp: Hex; stateRoot: Hex }>(
    rpcUrl,
    'eth_getBlockByNumber',
    [`0x${head.toString(16)}`, false],
    10_000,
  );
  const vectors = {
    comment: 'Made by scripts/write-chain-proof-vectors.ts from a geth 1.13.15 Clique network (3 validators, period 1 s).',
    chainId: network.chainId,
    epoch: EPOCH,
    validators: network.nodes.flatMap((n) => (n.address ? [n.address] : [])),
    genesis: await rawHeader(0n),
    checkpoints,
    headers,
    block: {
      number: Number(head),
      hash: block.hash,
      timestamp: Number(BigInt(block.timestamp)),
      stateRoot: block.stateRoot,
      header: await rawHeader(head),
    },
    fleet,
    proofs,
  };
  const out = fileURLToPath(new URL('../sdk-c/test/chain_proof_vectors.json', import.meta.url));
  writeFileSync(out, `${JSON.stringify(vectors, null, 2)}\n`);
  console.log(`wrote ${out} (block ${head}, ${checkpoints.length} checkpoint headers)`);
} finally {
  await stack?.stop().catch(() => undefined);
  if (started) await stopNetwork({ dir }).catch((e) => console.error(`stopping the network: ${e}`));
  rmSync(root, { recursive: true, force: true });
}
