import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { bytesToHex, fromRlp, type Hex, toRlp } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import {
  checkpointOf,
  readChainProofVectors,
  sealCliqueChainAfter,
  trustAt,
  vectorsHeaderAt,
} from '../../src/sdk/chainProof/chainProofCVectors.js';
import { encodeCliqueTrust } from '../../src/sdk/chainProof/index.js';

const run = promisify(execFile);
const sdkC = fileURLToPath(new URL('../../sdk-c/', import.meta.url));
const sensorBin = join(sdkC, 'build/examples/sensor');
/** Headers, checkpoints and a proof from a real geth Clique network (scripts/write-chain-proof-vectors.ts). */
const vectors = readChainProofVectors();
const epoch = BigInt(vectors.epoch);
const vouched = BigInt(vectors.changes.addedCheckpoint);

async function sensor(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(sensorBin, args, { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

type Edit = { header?: (number: bigint, header: string | undefined) => unknown; proof?: (body: Record<string, unknown>) => unknown };

/**
 * A gateway serving the vectors' chain: the head's header and an active device's proof at
 * GET /v1/devices/{id}/status-proof, every checkpoint and the headers after the one the validator
 * voted in sealed at GET /v1/chain/headers/{number}; `edit` makes it lie. It records the headers asked for.
 */
function vectorsGateway(edit: Edit = {}) {
  const asked: bigint[] = [];
  const active = vectors.proofs.find((p) => p.name === 'active')!;
  const server: Server = createServer((request, response) => {
    const url = request.url ?? '';
    let body: unknown;
    const header = /^\/v1\/chain\/headers\/(\d+)$/.exec(url);
    if (header) {
      const number = BigInt(header[1]!);
      asked.push(number);
      const rlp = vectorsHeaderAt(vectors, number);
      body = edit.header ? edit.header(number, rlp) : rlp && { number: Number(number), header: rlp };
    } else if (/^\/v1\/devices\/0x[0-9a-f]{40}\/status-proof$/.test(url)) {
      const proof = { device: active.device, blockNumber: vectors.block.number, header: vectors.block.header, proof: active.proof };
      body = edit.proof ? edit.proof(structuredClone(proof)) : proof;
    }
    const text = JSON.stringify(body ?? { error: 'not_found', message: 'not served here' });
    // As the gateway answers: a whole body with its length (the sensor reads no chunked encoding).
    response.writeHead(body === undefined ? 404 : 200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      connection: 'close',
    });
    response.end(text);
  });
  return { server, asked };
}

describe('the C example sensor follows a checkpoint sealed by the validator voted in, fetching the header that vouches for it', {
  timeout: 300_000,
}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-sensor-c-vouch-'));
  const keyFile = join(dir, 'sensor.key');
  const servers: Server[] = [];

  /** Runs the sensor with --verify chain against `gateway`, its bundle trusting the vectors' genesis validators (epoch 8). */
  async function runAgainst(gateway: ReturnType<typeof vectorsGateway>, extra: string[] = []) {
    await new Promise<void>((resolve) => gateway.server.listen(0, '127.0.0.1', resolve));
    servers.push(gateway.server);
    const hostPort = `127.0.0.1:${(gateway.server.address() as AddressInfo).port}`;
    const pythiaKey = privateKeyToAccount(generatePrivateKey());
    const bundle = {
      version: 1,
      chainId: vectors.chainId,
      contracts: { fleet: vectors.fleet },
      pythiaKeys: [
        { address: pythiaKey.address, publicKey: bytesToHex(Buffer.from(pythiaKey.publicKey.slice(4), 'hex')), attested: false },
      ],
      attestationPolicy: { requireAttested: false },
      // The vectors' head is as old as the vectors: freshness is not what is tested here.
      freshness: { maxAgeSeconds: 100 * 365 * 86_400, maxAgeBlocks: 1000 },
      gatewayUrls: [`http://${hostPort}`],
      clique: { epoch: vectors.epoch, validators: vectors.validators },
    };
    const bundlePath = join(dir, `bundle-${servers.length}.json`);
    writeFileSync(bundlePath, JSON.stringify(bundle));
    return sensor([
      'run',
      '--key-file',
      keyFile,
      '--bundle',
      bundlePath,
      '--gateway',
      hostPort,
      '--verify',
      'chain',
      '--readings',
      '1',
      ...extra,
    ]);
  }

  before(async () => {
    await run('make', ['-C', sdkC, 'sensor'], { timeout: 300_000 });
    const made = await sensor(['keygen', '--key-file', keyFile]);
    assert.equal(made.code, 0, made.stderr);
  });
  after(() => {
    for (const s of servers) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('asks for the one header after that checkpoint, follows on to the head, then checks the proof (of another device: wrong_proof, nothing sent)', async () => {
    const gateway = vectorsGateway();
    const result = await runAgainst(gateway);
    assert.match(result.stdout, new RegExp(`^checkpoint ${vouched} vouched for by 1 headers$`, 'm'), result.stdout + result.stderr);
    const last = checkpointOf(vectors, vectors.block.number);
    const checkpoints = Array.from({ length: Number(last / epoch) }, (_, i) => BigInt(i + 1) * epoch);
    assert.deepEqual(
      gateway.asked,
      checkpoints.flatMap((n) => (n === vouched ? [n, n + 1n] : [n])),
    );
    // Past the checkpoints and the head's seal, the proof is the vectors' device's, not this sensor's: its key is another record slot
    // (wrong_proof, as the TypeScript SDK says, before any node is walked).
    assert.equal(result.code, 4, result.stderr);
    assert.match(result.stdout, /^refused wrong_proof$/m);
    assert.doesNotMatch(result.stdout, /^reading /m);
  });

  it('starts from a trust the TypeScript SDK stored (encodeCliqueTrust): before the vouched checkpoint it still asks for its voucher, after it for none; a run that accepts no proof leaves the file as it was', async () => {
    const genesis = { validators: vectors.validators, checkpoint: 0n, epoch };
    const last = checkpointOf(vectors, vectors.block.number);
    for (const from of [vouched - epoch, vouched]) {
      const trustFile = join(dir, `trust-${from}.bin`);
      const stored = encodeCliqueTrust({ trust: trustAt(vectors, from), chainId: vectors.chainId, genesis });
      writeFileSync(trustFile, stored);
      const gateway = vectorsGateway();
      const result = await runAgainst(gateway, ['--trust-file', trustFile]);
      const validators = trustAt(vectors, from).validators.length;
      assert.match(
        result.stdout,
        new RegExp(`^trust from checkpoint ${from}, ${validators} validators$`, 'm'),
        result.stdout + result.stderr,
      );
      const checkpoints = Array.from({ length: Number((last - from) / epoch) }, (_, i) => from + BigInt(i + 1) * epoch);
      assert.deepEqual(
        gateway.asked,
        checkpoints.flatMap((n) => (n === vouched ? [n, n + 1n] : [n])),
      );
      assert.equal(result.stdout.includes(`checkpoint ${vouched} vouched for by 1 headers`), from < vouched);
      // The proof is the vectors' device's, not this sensor's: refused, so nothing stored, the file untouched.
      assert.equal(result.code, 4, result.stderr);
      assert.doesNotMatch(result.stdout, /^trust stored/m);
      assert.deepEqual(new Uint8Array(readFileSync(trustFile)), stored);
    }
  });

  it('refuses the checkpoint when the header after it is not built on it, asking for no other', async () => {
    const gateway = vectorsGateway({
      header: (number, rlp) =>
        number > vouched && number < vouched + epoch
          ? { header: vectors.changes.afterAddedCheckpoint[Number(number - vouched)] }
          : rlp && { header: rlp },
    });
    const result = await runAgainst(gateway);
    assert.equal(result.code, 4, result.stderr);
    assert.match(result.stdout, /^refused unvouched_checkpoint$/m);
    assert.deepEqual(
      gateway.asked.filter((n) => n > vouched),
      [vouched + 1n],
    );
  });

  it('refuses the checkpoint when only the new validator seals after it, having asked for as many headers as the new set has validators', async () => {
    const newcomerOnly = sealCliqueChainAfter(
      vectors,
      vectors.checkpoints[Number(vouched / epoch) - 1]!,
      trustAt(vectors, vouched).validators,
      Array(Number(epoch) - 1).fill(vectors.changes.addedKey),
    );
    const gateway = vectorsGateway({
      header: (number, rlp) =>
        number > vouched && number < vouched + epoch ? { header: newcomerOnly[Number(number - vouched) - 1] } : rlp && { header: rlp },
    });
    const result = await runAgainst(gateway);
    assert.equal(result.code, 4, result.stderr);
    assert.match(result.stdout, /^refused unvouched_checkpoint$/m);
    assert.deepEqual(
      gateway.asked.filter((n) => n > vouched),
      Array.from({ length: trustAt(vectors, vouched).validators.length }, (_, i) => vouched + BigInt(i) + 1n),
    );
  });

  it('refuses a head whose mix digest is not zero (bad_header) before asking for any checkpoint, as the TypeScript SDK does', async () => {
    const fields = fromRlp(vectors.block.header, 'hex') as Hex[];
    fields[13] = `0x${'00'.repeat(31)}01`;
    const gateway = vectorsGateway({ proof: (b) => ({ ...b, header: toRlp(fields) }) });
    const result = await runAgainst(gateway);
    assert.equal(result.code, 4, result.stderr);
    assert.match(result.stdout, /^refused bad_header$/m, result.stdout);
    assert.deepEqual(gateway.asked, []);
  });

  it('refuses an answer of the wrong shape as malformed_proof, as the TypeScript SDK does', async () => {
    for (const proof of [
      (b: Record<string, unknown>) => ({ ...b, proof: { ...(b.proof as object), accountProof: [12] } }),
      (b: Record<string, unknown>) => ({ ...b, header: 12 }),
    ]) {
      const result = await runAgainst(vectorsGateway({ proof }));
      assert.equal(result.code, 4, result.stderr);
      assert.match(result.stdout, /^refused malformed_proof$/m, result.stdout);
    }
  });
});
