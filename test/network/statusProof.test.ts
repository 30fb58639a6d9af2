import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { bytesToHex, hexToBytes, parseEther, type Address } from 'viem';
import { createChainClients } from '../../src/chain/clients.js';
import { sendContractTransaction } from '../../src/chain/sendContractTransaction.js';
import { pythiaFleetAbi } from '../../src/contracts/abis.js';
import { loadOrCreateRoleKeys } from '../../src/chain/roleKeys.js';
import { CLIQUE_EPOCH, initNetwork, nodeRpcEndpoint, startNetwork, stopNetwork, waitForNetworkReady } from '../../src/network/index.js';
import { freePortBlock } from '../../src/testing/freePortBlock.js';
import { AIR_QUALITY_CLASS_ID, airQualityProfile } from '../../src/protocol/airQuality.js';
import { askStatusProof, ChainProofError, type CliqueTrust, generateDeviceKey } from '../../src/sdk/index.js';
import { startStack, type Stack } from '../../src/stack/startStack.js';

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

describe('status proofs from a geth Clique node through the gateway', { timeout: 300_000 }, () => {
  let root: string;
  let stack: Stack | undefined;
  let netDir: string | undefined;
  let rpcUrl: string;
  let trust: CliqueTrust;
  let fleet: Address;
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
    const dataDir = join(root, 'pythia');
    netDir = join(root, 'net');
    // A network folder of one validator, ready before the stack deploys (a geth just started may still
    // answer eth_getTransactionReceipt with "transaction indexing is in progress").
    const roles = await loadOrCreateRoleKeys({ dataDir, passphrase, scryptN: 1024 });
    const network = await initNetwork({
      dir: netDir,
      validators: 1,
      period: 1,
      basePort: await freePortBlock(10),
      fund: { [roles.admin.address]: parseEther('1000') },
      passphrase,
      scryptN: 1024,
    });
    await startNetwork({ dir: netDir, passphrase });
    await waitForNetworkReady({ dir: netDir });
    rpcUrl = nodeRpcEndpoint(netDir, network.nodes[0]!);
    stack = await startStack({
      dataDir,
      passphrase,
      chain: { rpcUrls: [rpcUrl] },
      gatewayPort: 0,
      mqtt: false,
      scryptN: 1024,
      timelockDelaySeconds: 1n,
    });
    fleet = stack.deployment.contracts.fleet;
    trust = { validators: network.nodes.flatMap((n) => (n.address ? [n.address] : [])), checkpoint: 0n, epoch: BigInt(CLIQUE_EPOCH) };
  });

  after(async () => {
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
    assert.equal((await clients.publicClient.getBlock({ blockNumber: after.blockNumber })).hash, after.blockHash);
  });

  it('refuses a gateway that tampers with the proof or the header, or hands a stale header', async () => {
    const tampering = (
      edit: (body: { header: string; proof: { accountProof: string[]; storageProof: { value: string; proof: string[] }[] } }) => void,
    ) =>
      (async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
        const response = await fetch(input, init);
        const body = await response.json();
        edit(body);
        return new Response(JSON.stringify(body), { status: response.status, headers: { 'content-type': 'application/json' } });
      }) as typeof fetch;
    const flipLast = (hex: string) => {
      const bytes = hexToBytes(hex as `0x${string}`);
      bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
      return bytesToHex(bytes);
    };
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
          b.header = `${b.header.slice(0, STATE_ROOT_AT)}${b.header[STATE_ROOT_AT] === '0' ? '1' : '0'}${b.header.slice(STATE_ROOT_AT + 1)}`;
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
    await refusedWith('stale_header', ask({ freshness: { maxAgeSeconds: 60n, now: BigInt(Math.floor(Date.now() / 1000)) + 3600n } }));
  });
});
