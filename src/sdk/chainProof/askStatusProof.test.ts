import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { fromRlp, type Hex, toRlp } from 'viem';
import { askCliqueCheckpoints, askStatusProof } from './askStatusProof.js';
import { checkpointOf, readChainProofVectors, sealCliqueChainAfter, trustAt, vectorsHeaderAt } from './chainProofCVectors.js';
import { ChainProofError } from './errors.js';

/** Vectors from a real geth Clique network (scripts/write-chain-proof-vectors.ts): its checkpoints and the headers after the one the new validator sealed. */
const vectors = readChainProofVectors();
const epoch = BigInt(vectors.epoch);
const vouched = BigInt(vectors.changes.addedCheckpoint);
const lastCheckpoint = checkpointOf(vectors, vectors.block.number);

/** A gateway's GET /v1/chain/headers/{number}, serving the vectors' headers (`edit` changes what it serves); it records what was asked. */
function headersGateway(edit: (number: bigint, header: Hex | undefined) => unknown = (_, header) => header && { header }) {
  const asked: bigint[] = [];
  const server: Server = createServer((request, response) => {
    const number = BigInt(/^\/v1\/chain\/headers\/(\d+)$/.exec(request.url ?? '')?.[1] ?? '-1');
    asked.push(number);
    const body = edit(number, vectorsHeaderAt(vectors, number));
    response.writeHead(body === undefined ? 404 : 200, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body ?? { error: 'status_proof_unavailable', message: 'no such header here' }));
  });
  return { server, asked };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('askCliqueCheckpoints over HTTP: a checkpoint sealed by the validator voted in is fetched with the header that vouches for it', () => {
  const honest = headersGateway();
  const lying = headersGateway((number, header) =>
    // The header after the new validator's checkpoint replaced by the one after it: no longer built on the checkpoint.
    number > vouched && number < vouched + epoch
      ? { header: vectors.changes.afterAddedCheckpoint[Number(number - vouched)] }
      : header && { header },
  );
  // Every header after the checkpoint sealed again by the new validator itself, each built on the one before: none vouches.
  const newcomerOnly = sealCliqueChainAfter(
    vectors,
    vectors.checkpoints[Number(vouched / epoch) - 1]!,
    trustAt(vectors, vouched).validators,
    Array(Number(epoch) - 1).fill(vectors.changes.addedKey),
  );
  const newcomer = headersGateway((number, header) =>
    number > vouched && number < vouched + epoch ? { header: newcomerOnly[Number(number - vouched) - 1] } : header && { header },
  );
  const malformed = headersGateway((number, header) => (number === vouched + 1n ? { header: 25 } : header && { header }));
  const urls: string[] = [];
  before(async () => {
    for (const g of [honest, lying, newcomer, malformed]) urls.push(await listen(g.server));
  });
  after(() => {
    for (const g of [honest, lying, newcomer, malformed]) g.server.close();
  });
  const genesis = { validators: vectors.validators, checkpoint: 0n, epoch };

  it('follows from the genesis set to the last checkpoint, asking for the one header after the new validator’s checkpoint and no more', async () => {
    const trust = await askCliqueCheckpoints({ gatewayUrl: urls[0]!, trust: genesis, upTo: lastCheckpoint });
    assert.equal(trust.checkpoint, lastCheckpoint);
    assert.deepEqual([...trust.validators].sort(), [...trustAt(vectors, lastCheckpoint).validators].sort());
    const checkpoints = Array.from({ length: Number(lastCheckpoint / epoch) }, (_, i) => BigInt(i + 1) * epoch);
    assert.deepEqual(
      honest.asked,
      checkpoints.flatMap((n) => (n === vouched ? [n, n + 1n] : [n])),
    );
  });

  it('refuses the checkpoint when the header after it is not built on it, asking for no other', async () => {
    await assert.rejects(
      askCliqueCheckpoints({ gatewayUrl: urls[1]!, trust: genesis, upTo: lastCheckpoint }),
      (error: unknown) => error instanceof ChainProofError && error.reason === 'unvouched_checkpoint',
    );
    assert.deepEqual(
      lying.asked.filter((n) => n > vouched),
      [vouched + 1n],
    );
  });

  it('refuses the checkpoint when only the new validator seals after it, having asked for as many headers as the new set has validators', async () => {
    await assert.rejects(
      askCliqueCheckpoints({ gatewayUrl: urls[2]!, trust: genesis, upTo: lastCheckpoint }),
      (error: unknown) => error instanceof ChainProofError && error.reason === 'unvouched_checkpoint',
    );
    const setSize = trustAt(vectors, vouched).validators.length;
    assert.deepEqual(
      newcomer.asked.filter((n) => n > vouched),
      Array.from({ length: setSize }, (_, i) => vouched + BigInt(i) + 1n),
    );
  });

  it('refuses an answer of the wrong shape for a vouching header (malformed_proof)', async () => {
    await assert.rejects(
      askCliqueCheckpoints({ gatewayUrl: urls[3]!, trust: genesis, upTo: lastCheckpoint }),
      (error: unknown) => error instanceof ChainProofError && error.reason === 'malformed_proof',
    );
  });
});

describe('askStatusProof refuses a header past the trusted epoch for what the header itself shows before asking for any checkpoint', () => {
  // The head with a mix digest that is not zero (no Clique header has one): bad_header, whatever its epoch, as in the C SDK.
  const fields = fromRlp(vectors.block.header, 'hex') as Hex[];
  fields[13] = `0x${'00'.repeat(31)}01`;
  const asked: string[] = [];
  const active = vectors.proofs.find((p) => p.name === 'active')!;
  const server: Server = createServer((request, response) => {
    asked.push(request.url ?? '');
    const proof = request.url?.endsWith('/status-proof');
    response.writeHead(proof ? 200 : 404, { 'content-type': 'application/json' });
    response.end(
      JSON.stringify(
        proof
          ? { device: active.device, blockNumber: vectors.block.number, header: toRlp(fields), proof: active.proof }
          : { error: 'status_proof_unavailable', message: 'no checkpoints here' },
      ),
    );
  });
  after(() => server.close());

  it('bad_header, and only the status proof asked for', async () => {
    const gatewayUrl = await listen(server);
    await assert.rejects(
      askStatusProof({
        gatewayUrl,
        device: active.device,
        fleet: vectors.fleet,
        trust: { validators: vectors.validators, checkpoint: 0n, epoch },
        freshness: { maxAgeSeconds: 60n, now: BigInt(vectors.block.timestamp) },
        retry: { attempts: 1 },
      }),
      (error: unknown) => error instanceof ChainProofError && error.reason === 'bad_header',
    );
    assert.deepEqual(asked, [`/v1/devices/${active.device}/status-proof`]);
  });
});
