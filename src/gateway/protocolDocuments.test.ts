import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Hex } from 'viem';
import { rejectionReasons } from '../protocol/reasons.js';
import { SECP256K1_N } from '../protocol/signature.js';
import { startTestChain, type TestChain } from '../testing/testChain.js';
import { startTestGateway } from '../testing/testGateway.js';
import type { RunningGateway } from './server.js';
import { newTestDevice, signedReading, type ReadingJson, type TestDevice } from './testKit.js';

/**
 * The points of issue #10, "The protocol against its documents": what docs/protocol.md and
 * docs/api.md say a device gets is what a real gateway on a real chain answers.
 */
/** The documents with their line breaks folded, so that a statement may wrap anywhere. */
const read = (name: string) => readFileSync(new URL(`../../docs/${name}`, import.meta.url), 'utf8').replace(/\s+/g, ' ');
const protocolDoc = read('protocol.md');
const apiDoc = read('api.md');

let chain: TestChain;
let gateway: RunningGateway & { dbPath: string };
let device: TestDevice;
let nextSequence = 1;
const domain = () => ({ chainId: chain.chainId, verifyingContract: chain.fleetAddress });
const timestampOf = (sequence: number) => 1_700_000_000 + 10 * sequence;

before(async () => {
  chain = await startTestChain();
  gateway = await startTestGateway(chain);
  device = newTestDevice();
  await chain.registerDevice(device.publicKey64);
});
after(async () => {
  await gateway?.close();
  await chain?.stop();
});

const reading = (sequence = nextSequence++) => signedReading(device, domain(), { sequence, timestamp: timestampOf(sequence) });

/** POSTs a raw body, as a device client written in another language would send it. */
async function postRaw(text: string, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const response = await fetch(`${gateway.url}/v1/readings`, { method: 'POST', headers, body: text });
  return { status: response.status, text: await response.text() };
}

/** The one refusal shape, { error, message, errors }, with a documented reason and its status. */
function assertRefusal(response: { status: number; text: string }, status: number, reason: string): { message: string; errors: unknown[] } {
  const body = JSON.parse(response.text) as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['error', 'errors', 'message'], response.text);
  assert.equal(body.error, reason, response.text);
  assert.equal(response.status, status, response.text);
  assert.ok(reason in rejectionReasons, `${reason} is a documented reason`);
  assert.equal(rejectionReasons[reason as keyof typeof rejectionReasons].status, status);
  assert.equal(typeof body.message, 'string');
  assert.ok(Array.isArray(body.errors));
  return body as { message: string; errors: unknown[] };
}

/** Replaces the signature's s (and optionally v) of a signed reading. */
function withSignature(r: ReadingJson, s: bigint, v?: number): ReadingJson {
  const vByte = v ?? Number.parseInt(r.signature.slice(130, 132), 16);
  return {
    ...r,
    signature: `0x${r.signature.slice(2, 66)}${s.toString(16).padStart(64, '0')}${vByte.toString(16).padStart(2, '0')}` as Hex,
  };
}

describe('the protocol against its documents', { timeout: 120_000 }, () => {
  it('2. one v encoding: v = 27/28 is taken, the same signature with v = 0/1 is refused as bad_signature_format', async () => {
    const good = await reading();
    const v = Number.parseInt(good.signature.slice(130, 132), 16);
    const zeroOne = withSignature(good, BigInt(`0x${good.signature.slice(66, 130)}`), v - 27);
    const refused = assertRefusal(await postRaw(JSON.stringify(zeroOne)), 400, 'bad_signature_format');
    assert.match(refused.message, /v must be 27 or 28, got [01]/);
    assert.equal((await postRaw(JSON.stringify(good))).status, 202);
    assert.match(protocolDoc, /`v ∈ \{27, 28\}`.*0 and 1 are refused/s);
  });

  it('3. s ≥ n is out of range (bad_signature_format), not a high s to normalise', async () => {
    const good = await reading();
    for (const s of [SECP256K1_N, SECP256K1_N + 1n, (1n << 256n) - 1n]) {
      const refused = assertRefusal(await postRaw(JSON.stringify(withSignature(good, s))), 400, 'bad_signature_format');
      assert.match(refused.message, /s is out of range/);
    }
    const high = assertRefusal(await postRaw(JSON.stringify(withSignature(good, SECP256K1_N - 1n))), 400, 'high_s_signature');
    assert.match(high.message, /upper half/);
  });

  it('4. JSON integers: no exponent, no N.0, no -0, at most 2^53 - 1; decimal strings without leading zeros', async () => {
    const good = await reading();
    const text = JSON.stringify(good);
    const replace = (field: 'sequence' | 'timestamp', literal: string) =>
      text.replace(new RegExp(`"${field}":("?)[0-9]+("?)`), `"${field}":${literal}`);
    for (const [field, literal] of [
      ['timestamp', '1.796e9'],
      ['timestamp', '1796000000.0'],
      ['sequence', `${good.sequence}.0`],
      ['sequence', '1E1'],
      ['timestamp', '-0'],
      ['timestamp', '9007199254740993'],
      ['sequence', '"0001"'],
    ] as const) {
      assertRefusal(await postRaw(replace(field, literal)), 400, 'invalid_body');
    }
    assert.equal((await postRaw(text)).status, 202, 'the same reading with plain integers is taken');
    assert.match(protocolDoc, /2\^53 − 1/);
    assert.match(protocolDoc, /`1\.796e9`/);
  });

  it('5. the signed uint64 timestamp is stored in 40 bits, saturating at 2^40 − 1 (and flagged ClockSkew)', async () => {
    const other = newTestDevice();
    await chain.registerDevice(other.publicKey64);
    const far = 2n ** 40n + 7n;
    const signed = await signedReading(other, domain(), { sequence: 1, timestamp: Number(far) });
    assert.equal((await postRaw(JSON.stringify(signed))).status, 202);
    let outcome: Record<string, unknown> = {};
    for (let i = 0; i < 200 && outcome.status !== 'flagged'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      outcome = (await (await fetch(`${gateway.url}/v1/readings/${other.id}/1`)).json()) as Record<string, unknown>;
    }
    assert.equal(outcome.status, 'flagged');
    assert.deepEqual(outcome.reasons, ['ClockSkew']);
    assert.equal(outcome.timestamp, far.toString(), 'the gateway reports the signed timestamp');
    const view = (await (await fetch(`${gateway.url}/v1/devices/${other.id}`)).json()) as { lastReading: { timestamp: string } };
    assert.equal(view.lastReading.timestamp, String(2 ** 40 - 1), 'the contract keeps 2^40 − 1');
    assert.match(protocolDoc, /stores a device.s last timestamp in 40 bits\*\*: a timestamp above 2\^40 − 1 \(1099511627775/);
  });

  it('6. every refusal is { error, message, errors }: bodies that do not parse, __proto__, shapes, framework errors', async () => {
    assertRefusal(await postRaw('{"device":'), 400, 'invalid_body');
    assertRefusal(await postRaw(''), 400, 'invalid_body');
    const proto = assertRefusal(await postRaw('{"__proto__":{"polluted":true}}'), 400, 'invalid_body');
    assert.match(proto.message, /__proto__/);
    const ctor = assertRefusal(
      await postRaw(JSON.stringify({ ...(await reading()), constructor: { prototype: {} } })),
      400,
      'invalid_body',
    );
    assert.deepEqual(ctor.errors, [{ index: 0, reason: 'invalid_body', message: 'unknown property "constructor"' }]);
    for (const body of ['[]', '"reading"', '42', '{"readings":{}}', '{"readings":[],"more":1}']) {
      const shape = assertRefusal(await postRaw(body), 400, 'invalid_body');
      assert.deepEqual(shape.errors, [], `${body}: a refusal of the request as a whole lists no reading`);
    }
    assertRefusal(await postRaw('<reading/>', { 'content-type': 'application/xml' }), 415, 'unsupported_media_type');
    const json = async (path: string) => {
      const response = await fetch(`${gateway.url}${path}`);
      return { status: response.status, text: await response.text() };
    };
    assertRefusal(await json('/v1/no-such-route'), 404, 'not_found');
    assertRefusal(await json(`/v1/readings/${device.id}/%zz`), 400, 'invalid_request');
    assertRefusal(await json(`/v1/readings/${device.id}/${'1'.repeat(101)}`), 400, 'invalid_request');
    assertRefusal(await json(`/v1/devices/not-a-device`), 400, 'invalid_request');
    const overflow = await rawRequest(`GET /v1/readings/${'x'.repeat(20_000)} HTTP/1.1\r\nhost: x\r\n\r\n`);
    assertRefusal(overflow, 431, 'header_too_large');
    const garbage = await rawRequest('NOT HTTP AT ALL\r\n\r\n');
    assertRefusal(garbage, 400, 'invalid_request');
    assert.equal((await fetch(`${gateway.url}/healthz`)).status, 200, 'the gateway keeps serving');
    assert.match(apiDoc, /`errors` lists the failures of single readings, by index; it is empty when the request failed as a whole/);
  });

  it('8. GET /v1/readings/{device}/{2^64} → 400 invalid_request; 2^64 − 1 is a well-formed sequence it does not hold (404)', async () => {
    const get = async (sequence: string) => {
      const response = await fetch(`${gateway.url}/v1/readings/${device.id}/${sequence}`);
      return { status: response.status, text: await response.text() };
    };
    assertRefusal(await get('18446744073709551616'), 400, 'invalid_request');
    assertRefusal(await get('99999999999999999999'), 400, 'invalid_request');
    assertRefusal(await get('18446744073709551615'), 404, 'unknown_reading');
  });

  it('9. a body naming a property twice is refused (not last-wins); decidedAt is documented and returned', async () => {
    const good = await reading();
    const twice = JSON.stringify(good).replace('{', `{"device":"${newTestDevice().id}",`);
    const refused = assertRefusal(await postRaw(twice), 400, 'invalid_body');
    assert.match(refused.message, /the property "device" appears twice/);
    const batchTwice = `{"readings":[${JSON.stringify(good)}],"readings":[]}`;
    assertRefusal(await postRaw(batchTwice), 400, 'invalid_body');
    assert.equal((await postRaw(JSON.stringify(good))).status, 202);
    let outcome: Record<string, unknown> = {};
    for (let i = 0; i < 200 && (outcome.status === undefined || outcome.status === 'pending'); i++) {
      await new Promise((r) => setTimeout(r, 50));
      outcome = (await (await fetch(`${gateway.url}/v1/readings/${device.id}/${good.sequence}`)).json()) as Record<string, unknown>;
    }
    assert.equal(outcome.status, 'accepted');
    assert.ok(Date.parse(outcome.decidedAt as string) >= Date.parse(outcome.receivedAt as string));
    assert.match(apiDoc, /`decidedAt`/);
  });

  it('10. a refusal quotes at most a short prefix of what it refuses: a 1 MB unknown property gets a short answer', async () => {
    const good = await reading();
    const key = 'k'.repeat(1_000_000);
    const response = await postRaw(JSON.stringify({ ...good, [key]: 1 }));
    const refused = assertRefusal(response, 400, 'invalid_body');
    assert.ok(response.text.length < 2_000, `the answer is ${response.text.length} bytes`);
    assert.match(refused.message, /unknown property "k{40}"… \(1000000 characters\)/);
    const duplicate = await postRaw(`{"${key}":1,"${key}":2}`);
    assert.ok(duplicate.text.length < 2_000, `the answer is ${duplicate.text.length} bytes`);
  });
});

/** Sends raw bytes on a fresh connection and reads the whole answer (for what the HTTP layer itself refuses). */
function rawRequest(request: string): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(gateway.url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) }, () => socket.write(request));
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      data += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', body = ''] = data.split('\r\n\r\n');
      resolve({ status: Number(head.slice(9, 12)), text: body });
    });
  });
}
