import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeEventLog, type Abi } from 'viem';
import { buildAbiReference } from '../../protocol/abiReference.js';
import { startTestChain, type TestChain } from '../../testing/testChain.js';
import { startTestGateway } from '../../testing/testGateway.js';
import type { RunningGateway } from '../server.js';
import { newTestDevice } from '../testKit.js';

let chain: TestChain;
let gateway: RunningGateway;

before(async () => {
  chain = await startTestChain();
  gateway = await startTestGateway(chain);
});
after(async () => {
  await gateway?.close();
  await chain?.stop();
});

describe('GET /v1/abi', { timeout: 120_000 }, () => {
  it('serves the ABI reference of docs/abi.md, with the addresses of the gateway’s contracts, to anyone', async () => {
    const response = await fetch(`${gateway.url}/v1/abi`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as ReturnType<typeof buildAbiReference> & {
      chainId: number;
      addresses: Record<string, { contract: string; address: string }>;
    };
    const { chainId, addresses, ...reference } = body;
    assert.deepEqual(reference, JSON.parse(JSON.stringify(buildAbiReference())));
    assert.equal(chainId, chain.chainId);
    assert.deepEqual(addresses.fleet, { contract: 'PythiaFleet', address: chain.fleetAddress });
    assert.equal(addresses.consentRegistry?.contract, 'ConsentRegistry');
    for (const { contract } of Object.values(addresses)) {
      assert.ok(
        reference.contracts.some((c) => c.name === contract),
        `${contract} is in the reference`,
      );
    }
  });

  it('is enough to decode a real log: DeviceRegistered by its topic0 and indexed parameters', async () => {
    const body = (await (await fetch(`${gateway.url}/v1/abi`)).json()) as ReturnType<typeof buildAbiReference>;
    const device = newTestDevice();
    await chain.registerDevice(device.publicKey64);
    const registered = body.contracts.find((c) => c.name === 'PythiaFleet')!.events.find((e) => e.name === 'DeviceRegistered')!;
    const logs = await chain.publicClient.getLogs({ address: chain.fleetAddress, fromBlock: 0n });
    const log = logs.find((l) => l.topics[0] === registered.topic0 && l.topics[1]?.endsWith(device.id.slice(2).toLowerCase()));
    assert.ok(log, 'a DeviceRegistered log with the documented topic0 and the device as topic 1');
    // The reference's parameters, as a JSON ABI fragment, decode the log.
    const abi = [{ type: 'event', name: registered.name, inputs: registered.inputs }] as unknown as Abi;
    const decoded = decodeEventLog({ abi, data: log.data, topics: log.topics }) as unknown as { args: Record<string, unknown> };
    assert.equal((decoded.args.device as string).toLowerCase(), device.id.toLowerCase());
    assert.equal(
      registered.inputs.filter((p) => p.indexed).length,
      log.topics.length - 1,
      'as many indexed parameters as topics after topic0',
    );
  });

  it('is listed in /openapi.json with its response schema', async () => {
    const openapi = (await (await fetch(`${gateway.url}/openapi.json`)).json()) as {
      paths: Record<string, { get?: { responses: Record<string, { content?: Record<string, { schema: { required?: string[] } }> }> } }>;
    };
    const schema = openapi.paths['/v1/abi']?.get?.responses['200']?.content?.['application/json']?.schema;
    assert.ok(schema, '/v1/abi documented');
    assert.deepEqual(schema.required, ['chainId', 'addresses', 'contracts', 'enums', 'flagReasons']);
  });
});
