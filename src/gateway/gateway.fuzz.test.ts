import { seededRandom as prng } from '../testing/seededRandom.js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { startTestChain, type TestChain } from '../testing/testChain.js';
import { startGateway } from './server.js';
import { newTestDevice, signedReading, type ReadingJson } from './testKit.js';

/**
 * Random and mutated requests against a real gateway over real HTTP: whatever arrives, the
 * answer is a 2xx or a 4xx with a JSON reason — never a 5xx, never a crash — and a good reading
 * is still taken afterwards. Seeded, so a failure is reproducible (PYTHIA_FUZZ_SEED, PYTHIA_FUZZ_CASES).
 */
const SEED = Number(process.env.PYTHIA_FUZZ_SEED ?? 20_601);
const CASES = Number(process.env.PYTHIA_FUZZ_CASES ?? 600);

let chain: TestChain;
let dir: string;
let gateway: Awaited<ReturnType<typeof startGateway>>;
let template: ReadingJson;

before(async () => {
  chain = await startTestChain();
  dir = mkdtempSync(join(tmpdir(), 'pythia-fuzz-'));
  gateway = await startGateway({
    rpcUrl: chain.rpcUrl,
    chainId: chain.chainId,
    fleetAddress: chain.fleetAddress,
    relayerAccount: chain.relayer,
    dbPath: join(dir, 'queue.sqlite'),
    port: 0,
  });
  const device = newTestDevice();
  await chain.registerDevice(device.publicKey64);
  template = await signedReading(
    device,
    { chainId: chain.chainId, verifyingContract: chain.fleetAddress },
    { sequence: 1_000_000, timestamp: 1_700_000_000 },
  );
});

after(async () => {
  await gateway?.close();
  await chain?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it(`${CASES} random and mutated requests get a 2xx or a 4xx with a reason, never a 5xx`, { timeout: 300_000 }, async () => {
  const random = prng(SEED);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const junkValues = (): unknown =>
    pick([
      null,
      true,
      0,
      -1,
      1.5,
      2 ** 53,
      1e308,
      '',
      '0x',
      '0xzz',
      'x'.repeat(5000),
      '١٢٣',
      [],
      {},
      [template],
      { a: 1 },
      '18446744073709551616',
      '-5',
      `0x${'00'.repeat(300)}`,
      `0x${'ff'.repeat(65)}`,
      template.signature.toUpperCase(),
      Number.NaN,
    ]);
  const mutate = (): unknown => {
    const reading: Record<string, unknown> = { ...template };
    const field = pick(['device', 'sequence', 'timestamp', 'payload', 'signature', 'extra']);
    switch (pick(['delete', 'replace', 'replace', 'nest', 'case'])) {
      case 'delete':
        delete reading[field];
        break;
      case 'replace':
        reading[field] = junkValues();
        break;
      case 'nest':
        return pick([
          { readings: [reading, junkValues()] },
          { readings: reading },
          { readings: [] },
          [reading],
          { readings: Array(3).fill(reading) },
        ]);
      case 'case':
        if (typeof reading[field] === 'string') reading[field] = (reading[field] as string).toUpperCase();
        break;
    }
    return reading;
  };
  const rawBody = () =>
    pick([
      () => JSON.stringify(mutate()),
      () => JSON.stringify(mutate()).slice(0, Math.floor(random() * 200)),
      () => Buffer.from(Array.from({ length: Math.floor(random() * 400) }, () => Math.floor(random() * 256))).toString('latin1'),
      () => JSON.stringify(junkValues()),
      () => '{"readings":' + '['.repeat(2000) + ']'.repeat(2000) + '}',
    ])();
  const statuses = new Map<number, number>();
  let acknowledged = 0;
  for (let i = 0; i < CASES; i++) {
    const kind = pick(['post', 'post', 'post', 'post', 'get']);
    let response: Response;
    if (kind === 'post') {
      response = await fetch(`${gateway.url}/v1/readings`, {
        method: 'POST',
        headers: {
          'content-type': pick([
            'application/json',
            'application/json',
            'text/plain',
            'application/cbor',
            'application/json; charset=latin1',
          ]),
        },
        body: rawBody(),
      });
    } else {
      const path = pick([
        `/v1/devices/${pick([template.device, '0x', 'zz', '%00', '0x' + 'g'.repeat(40), '../../etc/passwd'])}`,
        `/v1/readings/${template.device}/${pick(['1', '-1', 'abc', '18446744073709551616', '1e3', ''])}`,
        pick(['/v1', '/v1/readings', '/healthz?x=1', '/openapi.json', '/%ff', '/v1/devices/']),
      ]);
      response = await fetch(`${gateway.url}${path}`);
    }
    const text = await response.text();
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    assert.ok(response.status < 500, `case ${i} (seed ${SEED}): ${response.status} ${text.slice(0, 300)}`);
    if (response.status >= 400) {
      const body = JSON.parse(text) as { error?: unknown; message?: unknown };
      assert.equal(typeof body.error, 'string', `case ${i}: no reason in ${text.slice(0, 200)}`);
      assert.equal(typeof body.message, 'string');
    }
    if (response.status === 202) acknowledged += (JSON.parse(text) as { accepted: number }).accepted;
  }
  if (process.env.PYTHIA_FUZZ_VERBOSE) console.log(JSON.stringify([...statuses]));
  assert.ok(acknowledged <= 1, 'only the untouched template reading can ever be stored, once');
  assert.ok((statuses.get(400) ?? 0) > CASES / 10, `the mutations reach validation: ${JSON.stringify([...statuses])}`);
  const health = await fetch(`${gateway.url}/healthz`);
  assert.equal(health.status, 200, 'the gateway is still serving');
});
