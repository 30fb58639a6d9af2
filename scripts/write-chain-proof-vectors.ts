// Writes the chain-proof vectors (sdk-c/test/chain_proof_vectors.json) from a real geth 1.13.15 Clique
// network: 3 validators, a block a second, checkpoints every 8 blocks, the contracts of `pythia up`,
// an active, a suspended and an unregistered device, and eth_getProof of their fleet records; then
// a 4th validator voted in by two of the three (clique_propose), the checkpoint after that vote sealed
// by the new validator itself (blocks sealed one at a time around it, miner_start/miner_stop), and
// validator-3 voted out by three of the four, each change followed by a checkpoint that restates the set.
// `node --import tsx scripts/write-chain-proof-vectors.ts` (a few minutes: the deployment and the votes); it stops every node it started.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { getAddress, parseEther, type Address, type Hex } from 'viem';
import { callRpc } from '../src/chain/anvilRpc.js';
import { createChainClients } from '../src/chain/clients.js';
import { readDeviceStatusProof } from '../src/chain/readDeviceStatusProof.js';
import { loadOrCreateRoleKeys } from '../src/chain/roleKeys.js';
import { sendContractTransaction } from '../src/chain/sendContractTransaction.js';
import { pythiaFleetAbi } from '../src/contracts/abis.js';
import { decryptKeystore, readKeystoreFile } from '../src/keystore/index.js';
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
} from '../src/network/index.js';
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
  const blockNumber = async () => BigInt(await callRpc<Hex>(rpcUrl, 'eth_blockNumber', [], 10_000));
  const ipc = nodePaths(join(dir, network.nodes[0]!.dir)).ipcPath;
  const signers = async () => (await ipcRequest<Address[]>(ipc, 'clique_getSigners')).map((a) => getAddress(a));
  const signerOf = async (n: bigint) => getAddress(await ipcRequest<Address>(ipc, 'clique_getSigner', [`0x${n.toString(16)}`]));
  const until = async (what: string, done: () => Promise<boolean>) => {
    for (const started = Date.now(); !(await done()); await new Promise((r) => setTimeout(r, 500)))
      if (Date.now() - started > 120_000) throw new Error(`timed out waiting for ${what}`);
  };
  const nextCheckpointAfter = (n: bigint) => n - (n % BigInt(EPOCH)) + BigInt(EPOCH);

  // A validator voted in, and the checkpoint after the vote sealed by it (the case a device must be
  // vouched through: its signer is not in the set the device trusts yet). Deterministic: every
  // validator's sealing is stopped, then blocks are sealed one at a time by the validator chosen
  // (miner_start, one block, miner_stop; Clique lets a validator seal once in len/2+1 blocks).
  console.error('devices registered; voting a 4th validator in, block by block');
  const added = await addNetworkNode({ dir, role: 'validator', passphrase, scryptN: 1024 });
  await startNode({ nodeDir: join(dir, added.dir), passphrase });
  const validatorNodes = [...network.nodes.filter((n) => n.role === 'validator'), added].map((n) => ({
    name: n.name,
    address: getAddress(n.address!),
    ipc: nodePaths(join(dir, n.dir)).ipcPath,
  }));
  const newValidator = validatorNodes.at(-1)!;
  const oldValidators = validatorNodes.slice(0, -1);
  for (const v of validatorNodes) await ipcRequest(v.ipc, 'miner_stop');
  // Blocks sealed before the stop reached every node (out of turn: up to 2 s late) come in first.
  for (let last = await blockNumber(), quietSince = Date.now(); Date.now() - quietSince < 4_000; await sleep(250)) {
    const now = await blockNumber();
    if (now !== last) [last, quietSince] = [now, Date.now()];
  }
  const sealOne = async (v: (typeof validatorNodes)[number]) => {
    const before = await blockNumber();
    await until(`${v.name} at block ${before}`, async () => BigInt(await ipcRequest<Hex>(v.ipc, 'eth_blockNumber')) >= before);
    await ipcRequest(v.ipc, 'miner_start');
    await until(`${v.name} sealing block ${before + 1n}`, async () => (await blockNumber()) > before);
    await ipcRequest(v.ipc, 'miner_stop');
    const sealer = await signerOf(before + 1n);
    if ((await blockNumber()) !== before + 1n || sealer !== v.address)
      throw new Error(`block ${before + 1n} was sealed by ${sealer}, not ${v.name} alone: run the script again`);
  };
  // An old validator that may seal the next block: not one of the last two sealers (Clique's recency rule, 4 signers).
  const sealByOld = async (prefer: readonly string[] = []) => {
    const head = await blockNumber();
    const recent = [await signerOf(head), head > 1n ? await signerOf(head - 1n) : undefined];
    const eligible = oldValidators.filter((v) => !recent.includes(v.address));
    await sealOne(eligible.find((v) => prefer.includes(v.name)) ?? eligible[0]!);
  };
  for (const validator of ['validator-1', 'validator-2']) await proposeSigner({ dir, validator, address: added.address!, vote: 'add' });
  for (let i = 0; !(await signers()).includes(newValidator.address); i++) {
    if (i === 12) throw new Error('the vote in did not pass within 12 blocks');
    await sealByOld(['validator-1', 'validator-2']);
  }
  const addedAt = await blockNumber();
  const addedCheckpoint = nextCheckpointAfter(addedAt);
  // One block of its own before the checkpoint when there is room (it may not seal either of the two before it).
  if (addedAt + 1n <= addedCheckpoint - 3n) await sealOne(newValidator);
  while ((await blockNumber()) < addedCheckpoint - 1n) await sealByOld();
  await sealOne(newValidator);
  await sealByOld();
  for (const v of validatorNodes) await ipcRequest(v.ipc, 'miner_start');
  if ((await signerOf(addedCheckpoint)) !== newValidator.address)
    throw new Error(`checkpoint ${addedCheckpoint} is not the new validator's`);
  // Sealing under the new set, past the next checkpoint.
  await until('a checkpoint after the vote in', async () => (await blockNumber()) > addedCheckpoint + 2n * BigInt(EPOCH));

  // validator-3 voted out: three of the four vote (more than half).
  console.error('voting validator-3 out');
  const removedNode = network.nodes[2]!;
  for (const validator of ['validator-1', 'validator-2', added.name])
    await proposeSigner({ dir, validator, address: removedNode.address!, vote: 'remove' });
  await until('the vote out', async () => !(await signers()).includes(getAddress(removedNode.address!)));
  const removedAt = await blockNumber();
  await until('a checkpoint after the vote out', async () => (await blockNumber()) > nextCheckpointAfter(removedAt) + BigInt(EPOCH) + 2n);
  const keyOf = async (nodeDir: string) =>
    (await decryptKeystore(await readKeystoreFile(join(nodePaths(join(dir, nodeDir)).keystoreDir, 'signer.json')), passphrase)).privateKey;
  const removedKey = await keyOf(removedNode.dir);
  const addedKey = await keyOf(added.dir);

  console.error('collecting');
  const head = await blockNumber();
  const rawHeader = (n: bigint) => callRpc<Hex>(rpcUrl, 'debug_getRawHeader', [`0x${n.toString(16)}`], 10_000);
  // Who sealed what: the headers of the new validator before and after the checkpoint that names it, the removed validator's last.
  const sealers: Address[] = [];
  for (let n = 1n; n <= head; n++) sealers[Number(n)] = await signerOf(n);
  const removedCheckpoint = nextCheckpointAfter(removedAt);
  const sealedBy = (who: Address, from: bigint, to: bigint) =>
    Array.from({ length: Number(to - from) }, (_, i) => from + BigInt(i)).filter((n) => sealers[Number(n)] === getAddress(who));
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
    comment:
      'Made by scripts/write-chain-proof-vectors.ts from a geth 1.13.15 Clique network (3 validators, period 1 s; a 4th voted in, validator-3 voted out).',
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
    changes: {
      added: getAddress(added.address!),
      /** The first block sealed with the new validator among the signers (clique_getSigners). */
      addedAt: Number(addedAt),
      /** Headers it sealed after the vote and before the checkpoint that names it (a device following checkpoints does not trust them yet). */
      addedBeforeCheckpoint: await Promise.all(
        sealedBy(added.address!, addedAt - 1n, addedCheckpoint)
          .slice(0, 2)
          .map(rawHeader),
      ),
      /** The throwaway key of the new validator (this network is gone): to seal vouchers as it could. */
      addedKey,
      /** The first checkpoint after the vote, which names it: sealed by the new validator itself. */
      addedCheckpoint: Number(addedCheckpoint),
      /** The headers after that checkpoint to the end of its epoch, in order: the first sealed by a validator of the old set. */
      afterAddedCheckpoint: await Promise.all(Array.from({ length: EPOCH - 1 }, (_, i) => addedCheckpoint + 1n + BigInt(i)).map(rawHeader)),
      /** Headers it sealed in the epochs after that checkpoint. */
      addedAfterCheckpoint: await Promise.all(
        sealedBy(added.address!, addedCheckpoint + 1n, head)
          .slice(0, 3)
          .map(rawHeader),
      ),
      removed: getAddress(removedNode.address!),
      removedAt: Number(removedAt),
      /** The throwaway key of the removed validator (this network is gone): to seal a header after its removal. */
      removedKey,
      /** The last headers it sealed before the checkpoint that drops it. */
      removedLastHeaders: await Promise.all(sealedBy(removedNode.address!, 1n, removedCheckpoint).slice(-2).map(rawHeader)),
      /** Which validator sealed each checkpoint, in order. */
      checkpointSealers: checkpoints.map((_, i) => sealers[(i + 1) * EPOCH]),
    },
  };
  const out = fileURLToPath(new URL('../sdk-c/test/chain_proof_vectors.json', import.meta.url));
  writeFileSync(out, `${JSON.stringify(vectors, null, 2)}\n`);
  console.log(
    `wrote ${out} (block ${head}, ${checkpoints.length} checkpoint headers; ${added.address} in at ${addedAt}, ${removedNode.address} out at ${removedAt})`,
  );
} finally {
  await stack?.stop().catch(() => undefined);
  if (started) await stopNetwork({ dir }).catch((e) => console.error(`stopping the network: ${e}`));
  rmSync(root, { recursive: true, force: true });
}
