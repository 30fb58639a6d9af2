import { hashMessage, hexToBytes, type Address, type Hex } from 'viem';
import { recoverDigestSigner } from './recoverDigestSigner.js';
import { signDigest } from './signDigest.js';
import { signatureProblem } from './signature.js';

/**
 * The password a device presents on MQTT CONNECT to the embedded broker: a fresh EIP-191
 * (personal_sign) signature by the device key over
 *
 *     pythia-mqtt:{chainId}:{clientId}:{unixTime}
 *
 * sent as `{unixTime}:{0x + 130 hex signature}`; the username is the device id. The broker
 * recovers the signer, which must be the username's device (registered on chain), and accepts
 * the time only within a window around its own clock. Binding the client id and chain id means a
 * token cannot be reused by another client id or on another deployment.
 */
export const connectTokenMessage = (chainId: number, clientId: string, unixTime: number): string =>
  `pythia-mqtt:${chainId}:${clientId}:${unixTime}`;

export function signConnectToken(parameters: { privateKey: Hex | Uint8Array; chainId: number; clientId: string; now?: number }): string {
  const time = parameters.now ?? Math.floor(Date.now() / 1000);
  const digest = hashMessage(connectTokenMessage(parameters.chainId, parameters.clientId, time), 'bytes');
  return `${time}:${signDigest(parameters.privateKey, digest)}`;
}

export type ConnectTokenCheck = { ok: true } | { ok: false; why: string };

/** Checks a CONNECT password for `device`; `windowSeconds` bounds the clock difference either way. */
export function checkConnectToken(parameters: {
  device: Address;
  password: string;
  chainId: number;
  clientId: string;
  now?: number;
  windowSeconds?: number;
}): ConnectTokenCheck {
  const m = /^(\d{1,12}):(0x[0-9a-fA-F]{130})$/.exec(parameters.password);
  if (!m) return { ok: false, why: 'the password is not {unixTime}:{0x signature}' };
  const time = Number(m[1]);
  const now = parameters.now ?? Math.floor(Date.now() / 1000);
  const window = parameters.windowSeconds ?? 300;
  if (Math.abs(now - time) > window)
    return { ok: false, why: `the token time ${time} is more than ${window}s from the broker clock ${now}` };
  const signature = m[2] as Hex;
  const problem = signatureProblem(hexToBytes(signature));
  if (problem) return { ok: false, why: problem.message };
  const digest = hashMessage(connectTokenMessage(parameters.chainId, parameters.clientId, time), 'bytes');
  const signer = recoverDigestSigner(digest, signature);
  if (!signer || signer.toLowerCase() !== parameters.device.toLowerCase())
    return { ok: false, why: 'the token is not signed by the device key' };
  return { ok: true };
}
