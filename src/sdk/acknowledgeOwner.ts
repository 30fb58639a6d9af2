import type { Address } from 'viem';
import type { DeviceOwnerAnswer } from '../answers/questions/deviceOwner.js';
import { askPythia, type AskPythiaParameters } from './askPythia.js';
import { GatewayRejection } from './errors.js';
import { errorOfBody } from './gatewayRequest.js';
import { signOwnerAcknowledgement } from './signOwnerAcknowledgement.js';

export type AcknowledgeOwnerParameters = Omit<AskPythiaParameters, 'question' | 'params'>;

export type AcknowledgeOwnerReturnType = {
  /** The owner and ownership epoch the Pythia's signed answer named. */
  owner: Address;
  epoch: bigint;
  /** up_to_date: the device had acknowledged this epoch already; sent: the gateway took the acknowledgement (202). */
  outcome: 'up_to_date' | 'sent';
  /** The gateway's device action id (GET /v1/device-actions/{id}) when sent. */
  actionId?: number;
};

/**
 * What a device does when it next talks to its Pythia after an ownership transfer: asks who owns
 * it (a signed, verified device_owner answer) and, when the epoch is newer than the one it last
 * acknowledged, signs an OwnerAcknowledgement for that owner and epoch and hands it to the
 * gateway, which relays it on chain. The device learns its owner only from a verified answer,
 * never from the gateway's word. The key signs as `key.deviceId` (after a key rotation: the new
 * key with the device's original id).
 */
export async function acknowledgeOwner(parameters: AcknowledgeOwnerParameters): Promise<AcknowledgeOwnerReturnType> {
  const { key, bundle, fetch: fetchFn = fetch, timeoutMs = 10_000 } = parameters;
  const ownership = bundle.contracts.deviceOwnership;
  if (!ownership) throw new TypeError('the provisioning bundle names no deviceOwnership contract');
  const { answer } = await askPythia<DeviceOwnerAnswer>({ ...parameters, question: 'device_owner', params: { device: key.deviceId } });
  if (answer.epoch === 0n) throw new TypeError(`device ${key.deviceId} has no ownership token`);
  if (answer.acknowledgedEpoch >= answer.epoch) return { owner: answer.owner, epoch: answer.epoch, outcome: 'up_to_date' };
  const signed = signOwnerAcknowledgement({
    key,
    chainId: bundle.chainId,
    ownershipContract: ownership,
    owner: answer.owner,
    epoch: answer.epoch,
  });
  const base = (parameters.gatewayUrl ?? bundle.gatewayUrls[0]!).replace(/\/+$/, '');
  const response = await fetchFn(`${base}/v1/devices/${key.deviceId}/owner-acknowledgements`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ epoch: signed.epoch, signature: signed.signature }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body: unknown = await response.json().catch(() => undefined);
  if (response.status !== 202) {
    const { reason, message } = errorOfBody(body, response.status);
    throw new GatewayRejection({ reason, status: response.status, body, ...(message === undefined ? {} : { message }) });
  }
  return { owner: answer.owner, epoch: answer.epoch, outcome: 'sent', actionId: (body as { id: number }).id };
}
