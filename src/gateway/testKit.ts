import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts';
import type { Address, Hex } from 'viem';
import { readingTypes, READING_DOMAIN_NAME, READING_DOMAIN_VERSION, type ReadingDomain } from '../protocol/eip712.js';
import { encodeMetrics } from '../protocol/payload.js';
import { SECP256K1_N } from '../protocol/signature.js';

/**
 * Test helpers: fresh random device keys and readings signed with viem's EIP-712 implementation
 * (an independent check of src/protocol/eip712.ts). Never well-known keys.
 */
export type TestDevice = { account: PrivateKeyAccount; id: Address; publicKey64: Hex };

export function newTestDevice(): TestDevice {
  const account = privateKeyToAccount(generatePrivateKey());
  return { account, id: account.address, publicKey64: `0x${account.publicKey.slice(4)}` };
}

export type ReadingJson = { device: Address; sequence: number | string; timestamp: number | string; payload: Hex; signature: Hex };

/** Plausible air-quality values (PM2.5, PM10, NO2, O3 ×10; °C, %RH ×100). */
export const typicalAirQuality = [120, 250, 300, 450, 2150, 5500];

export async function signedReading(
  device: TestDevice,
  domain: ReadingDomain,
  fields: { sequence: number | bigint; timestamp?: number; payload?: Hex; values?: number[] },
): Promise<ReadingJson> {
  const timestamp = fields.timestamp ?? Math.floor(Date.now() / 1000);
  const payload = fields.payload ?? encodeMetrics(fields.values ?? typicalAirQuality);
  const signature = await device.account.signTypedData({
    domain: {
      name: READING_DOMAIN_NAME,
      version: READING_DOMAIN_VERSION,
      chainId: domain.chainId,
      verifyingContract: domain.verifyingContract,
    },
    types: readingTypes,
    primaryType: 'Reading',
    message: { device: device.id, sequence: BigInt(fields.sequence), timestamp: BigInt(timestamp), payload },
  });
  return {
    device: device.id,
    sequence: typeof fields.sequence === 'bigint' ? fields.sequence.toString() : fields.sequence,
    timestamp,
    payload,
    signature,
  };
}

/** The malleable twin of a signature: s → n − s, v flipped. Valid maths, refused as high s. */
export function highSTwin(signature: Hex): Hex {
  const s = BigInt(`0x${signature.slice(66, 130)}`);
  const v = parseInt(signature.slice(130, 132), 16);
  const twinS = (SECP256K1_N - s).toString(16).padStart(64, '0');
  return `0x${signature.slice(2, 66)}${twinS}${(v === 27 ? 28 : 27).toString(16)}`;
}

/**
 * Posts signed readings (sequence 1..n, one minute apart, ending an hour ago) and waits until the
 * chain has decided the last one. Values: typicalAirQuality moved by i × (metric + 1) for reading i.
 */
export async function postSettledReadings(gatewayUrl: string, device: TestDevice, domain: ReadingDomain, count: number): Promise<void> {
  const start = Math.floor(Date.now() / 1000) - 3600 - 60 * count;
  const readings: ReadingJson[] = [];
  for (let i = 1; i <= count; i++) {
    const values = typicalAirQuality.map((v, m) => v + i * (m + 1));
    readings.push(await signedReading(device, domain, { sequence: i, timestamp: start + 60 * i, values }));
  }
  const posted = await fetch(`${gatewayUrl}/v1/readings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ readings }),
  });
  if (posted.status !== 202) throw new Error(`readings refused: ${posted.status} ${await posted.text()}`);
  for (let i = 0; i < 400; i++) {
    const r = (await (await fetch(`${gatewayUrl}/v1/readings/${device.id}/${count}`)).json()) as { status: string };
    if (r.status !== 'pending') return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`reading ${count} of ${device.id} still pending`);
}
