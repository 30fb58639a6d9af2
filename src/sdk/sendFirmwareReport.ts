import type { Hex } from 'viem';
import { GatewayRejection } from './errors.js';
import { errorOfBody } from './gatewayRequest.js';
import type { ProvisioningBundle } from './provisioningBundle.js';
import { signFirmwareReport } from './signFirmwareReport.js';
import type { DeviceKey } from './types.js';

export type SendFirmwareReportParameters = {
  key: Pick<DeviceKey, 'privateKey' | 'deviceId'>;
  bundle: ProvisioningBundle;
  /** What the device runs now: the release's sequence and the SHA-256 of its image. */
  sequence: bigint | number;
  digest: Hex;
  /** Strictly above the device's previous report nonce (keep it with the device's other counters). */
  nonce: bigint | number;
  /** Default: the bundle's first gateway URL. */
  gatewayUrl?: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
};

export type SendFirmwareReportReturnType = { actionId: number };

/**
 * After installing firmware, the device reports what it runs: signs a FirmwareReport and hands it
 * to its gateway, which relays it to the firmware registry (GET /v1/device-actions/{actionId}
 * says how it ended). A refusal is a GatewayRejection (e.g. replayed_nonce).
 */
export async function sendFirmwareReport(parameters: SendFirmwareReportParameters): Promise<SendFirmwareReportReturnType> {
  const { key, bundle, fetch: fetchFn = fetch, timeoutMs = 10_000 } = parameters;
  const registry = bundle.contracts.firmwareRegistry;
  if (!registry) throw new TypeError('the provisioning bundle names no firmwareRegistry contract');
  const signed = signFirmwareReport({
    key,
    chainId: bundle.chainId,
    registry,
    sequence: parameters.sequence,
    digest: parameters.digest,
    nonce: parameters.nonce,
  });
  const base = (parameters.gatewayUrl ?? bundle.gatewayUrls[0]!).replace(/\/+$/, '');
  const response = await fetchFn(`${base}/v1/devices/${key.deviceId}/firmware-reports`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      sequence: signed.sequence.toString(),
      digest: signed.digest,
      nonce: signed.nonce.toString(),
      signature: signed.signature,
    }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body: unknown = await response.json().catch(() => undefined);
  if (response.status !== 202) {
    const { reason, message } = errorOfBody(body, response.status);
    throw new GatewayRejection({ reason, status: response.status, body, ...(message === undefined ? {} : { message }) });
  }
  return { actionId: (body as { id: number }).id };
}
