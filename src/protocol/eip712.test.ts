import { strict as assert } from 'node:assert';
import { after, before, test } from 'node:test';
import { bytesToHex, hashTypedData, type Address, type Hex } from 'viem';
import { pythiaFleetAbi } from '../contracts/abis.js';
import { startFleetFixture } from '../contracts/fleetFixture.js';
import { encodeMetrics } from './payload.js';
import {
  READING_DOMAIN_NAME,
  READING_DOMAIN_VERSION,
  readingDigestHex,
  readingDomainSeparator,
  readingTypes,
  type Reading,
  type ReadingDomain,
} from './eip712.js';

const readings: Reading[] = [
  {
    device: '0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf',
    sequence: 1n,
    timestamp: 1_750_000_000n,
    payload: encodeMetrics([120, 250, 300, 450, 2150, 5500]),
  },
  { device: '0x0000000000000000000000000000000000000001', sequence: 0n, timestamp: 0n, payload: '0x' },
  {
    device: '0xffffffffffffffffffffffffffffffffffffffff',
    sequence: 2n ** 64n - 1n,
    timestamp: 2n ** 64n - 1n,
    payload: `0x${'ab'.repeat(256)}`,
  },
  {
    device: '0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF',
    sequence: 42n,
    timestamp: 1_700_000_123n,
    payload: encodeMetrics([-32768, 32767, 0, -1]),
  },
];

const viemDigest = (domain: ReadingDomain, reading: Reading): Hex =>
  hashTypedData({
    domain: { name: READING_DOMAIN_NAME, version: READING_DOMAIN_VERSION, ...domain },
    types: readingTypes,
    primaryType: 'Reading',
    message: reading,
  });

test('readingDigest equals viem hashTypedData', () => {
  const domains: ReadingDomain[] = [
    { chainId: 20601, verifyingContract: '0x5FbDB2315678afecb367f032d93F642f64180aa3' },
    { chainId: 1, verifyingContract: '0x0000000000000000000000000000000000000000' },
  ];
  for (const domain of domains) {
    const separator = readingDomainSeparator(domain);
    for (const reading of readings) {
      assert.equal(readingDigestHex(separator, reading), viemDigest(domain, reading));
    }
  }
});

let fixture: Awaited<ReturnType<typeof startFleetFixture>> | undefined;
before(async () => {
  fixture = await startFleetFixture();
});
after(async () => {
  await fixture?.stop();
});

test('readingDigest and domainSeparator equal the PythiaFleet views on Anvil', async () => {
  const { publicClient, fleet, chainId } = fixture!;
  const domain = { chainId, verifyingContract: fleet as Address };
  const separator = readingDomainSeparator(domain);
  const onChainSeparator = await publicClient.readContract({ address: fleet, abi: pythiaFleetAbi, functionName: 'domainSeparator' });
  assert.equal(onChainSeparator, bytesToHex(separator));
  for (const reading of readings) {
    const onChain = await publicClient.readContract({
      address: fleet,
      abi: pythiaFleetAbi,
      functionName: 'readingDigest',
      args: [{ ...reading, r: `0x${'00'.repeat(32)}`, vs: `0x${'00'.repeat(32)}` }],
    });
    assert.equal(onChain, readingDigestHex(separator, reading));
  }
});
