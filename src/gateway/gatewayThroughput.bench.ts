/**
 * End-to-end gateway throughput against a real Anvil: pre-signed readings posted in batches by a
 * few concurrent clients; prints the acknowledgement rate (checked and durably stored) and the
 * rate until every reading is settled on chain.
 *   node --import tsx src/gateway/gatewayThroughput.bench.ts [devices=20] [perDevice=500] [perRequest=100]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import secp256k1 from 'secp256k1';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { readingDigest, readingDomainSeparator } from '../protocol/eip712.js';
import { encodeMetrics } from '../protocol/payload.js';
import { startTestChain } from '../testing/testChain.js';
import { startGateway } from './server.js';

const [devices = 20, perDevice = 500, perRequest = 100] = process.argv.slice(2).map(Number);
const CLIENTS = 4;
const chain = await startTestChain();
const dir = mkdtempSync(join(tmpdir(), 'pythia-gateway-bench-'));
try {
  const separator = readingDomainSeparator({ chainId: chain.chainId, verifyingContract: chain.fleetAddress });
  const fleet = [];
  for (let i = 0; i < devices; i++) {
    const privateKey = generatePrivateKey();
    const account = privateKeyToAccount(privateKey);
    await chain.registerDevice(`0x${account.publicKey.slice(4)}`);
    fleet.push({ secret: Buffer.from(privateKey.slice(2), 'hex'), id: account.address });
  }
  const payload = encodeMetrics([120, 250, 300, 450, 2150, 5500]);
  const bodies: string[] = [];
  for (let start = 1; start <= perDevice; start += perRequest) {
    for (const d of fleet) {
      const readings = [];
      for (let s = start; s < start + perRequest && s <= perDevice; s++) {
        const timestamp = 1_700_000_000 + 10 * s;
        const digest = readingDigest(separator, { device: d.id, sequence: BigInt(s), timestamp: BigInt(timestamp), payload });
        const { signature, recid } = secp256k1.ecdsaSign(digest, d.secret);
        readings.push({ device: d.id, sequence: s, timestamp, payload, signature: `0x${Buffer.from(signature).toString('hex')}${(27 + recid).toString(16)}` });
      }
      bodies.push(JSON.stringify({ readings }));
    }
  }
  const total = devices * perDevice;
  const gateway = await startGateway({
    rpcUrl: chain.rpcUrl, chainId: chain.chainId, fleetAddress: chain.fleetAddress, relayerAccount: chain.relayer,
    dbPath: join(dir, 'queue.sqlite'), port: 0,
  });
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < bodies.length) {
        const response = await fetch(`${gateway.url}/v1/readings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: bodies[next++] });
        if (response.status !== 202) throw new Error(`${response.status} ${await response.text()}`);
      }
    }),
  );
  const acknowledgedMs = performance.now() - t0;
  let health;
  for (;;) {
    health = await (await fetch(`${gateway.url}/healthz`)).json();
    if (health.pending === 0) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const settledMs = performance.now() - t0;
  await gateway.close();
  console.log(`gateway: ${total} readings (${devices} devices, ${perRequest} per request, ${CLIENTS} clients)`);
  console.log(`  acknowledged (checked + durably stored): ${acknowledgedMs.toFixed(0)} ms = ${Math.round((total / acknowledgedMs) * 1000)} readings/s`);
  console.log(`  settled on chain (end to end):           ${settledMs.toFixed(0)} ms = ${Math.round((total / settledMs) * 1000)} readings/s, ${health.relayer.batchesMined} transactions`);
} finally {
  await chain.stop();
  rmSync(dir, { recursive: true, force: true });
}
