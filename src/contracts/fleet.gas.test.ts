import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { decodeEventLog, toHex } from 'viem';
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import { encodeMetrics } from '../protocol/payload.js';
import { pythiaFleetAbi } from './abis.js';
import { startFleetFixture } from './fleetFixture.js';

/**
 * Gas per reading from real transaction receipts on Anvil (everything a relayer pays: the 21,000
 * base, calldata, cold storage). Target: <= 15,000 per reading for 100 clean readings from 100
 * devices that each sent a reading before. contracts/test/Gas.t.sol measures the same in forge.
 */
const N = 100;
const TARGET = 15_000;

let fixture: Awaited<ReturnType<typeof startFleetFixture>>;
let devices: PrivateKeyAccount[];

before(async () => {
  fixture = await startFleetFixture();
  devices = Array.from({ length: N }, () => privateKeyToAccount(generatePrivateKey()));
  const publicKeys = devices.map((d) => toHex(Buffer.from(d.publicKey.slice(4), 'hex')));
  await fixture.operatorWrite('registerDevices', [publicKeys, 1]);
});

after(async () => {
  await fixture?.stop();
});

const clean = encodeMetrics([120, 250, 300, 450, 2150, 5500]);

async function batchGas(sequence: bigint, timestamp: bigint) {
  const readings = await Promise.all(devices.map((d) => fixture.sign(d, { sequence, timestamp, payload: clean })));
  const receipt = await fixture.submit(readings);
  const accepted = receipt.logs
    .map((log) => decodeEventLog({ abi: pythiaFleetAbi, ...log }))
    .filter((e) => e.eventName === 'ReadingAccepted').length;
  assert.equal(accepted, N, 'every reading accepted');
  return Number(receipt.gasUsed);
}

test(`gas per reading, batch of ${N} distinct devices`, async () => {
  const block = await fixture.publicClient.getBlock();
  const first = await batchGas(1n, block.timestamp - 600n);
  const steady = await batchGas(2n, block.timestamp);
  console.log(`first readings: ${first} gas per batch of ${N}, ${Math.round(first / N)} per reading`);
  console.log(`steady state:   ${steady} gas per batch of ${N}, ${Math.round(steady / N)} per reading (target ${TARGET})`);
  assert.ok(steady / N <= TARGET, `steady state ${steady / N} gas per reading is over ${TARGET}`);
});
