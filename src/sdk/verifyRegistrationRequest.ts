import secp256k1 from 'secp256k1';
import { hashMessage, hexToBytes, isAddressEqual, type Address } from 'viem';
import { deviceIdFromPublicKey } from '../protocol/deviceId.js';
import { SignatureFormatError, splitSignature } from '../protocol/signature.js';
import { registrationMessage } from '../protocol/registrationMessage.js';
import { recoverDigestSigner } from '../protocol/recoverDigestSigner.js';
import type { RegistrationRequest } from './types.js';

export type VerifyRegistrationRequestReturnType = RegistrationRequest;

export class InvalidRegistrationRequestError extends Error {
  override readonly name = 'InvalidRegistrationRequestError';
  constructor(readonly reason: string) {
    super(`invalid registration request: ${reason}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks a registration request as an operator receives it (untrusted JSON): the public key is
 * a curve point, the device id is derived from it, and the proof is signed by that key.
 * Returns the request in canonical form; throws InvalidRegistrationRequestError with the reason.
 */
export function verifyRegistrationRequest(input: unknown): VerifyRegistrationRequestReturnType {
  const result = check(input);
  if (!result.valid) throw new InvalidRegistrationRequestError(result.reason);
  return result.request;
}

function check(input: unknown): { valid: true; request: RegistrationRequest } | { valid: false; reason: string } {
  if (!isObject(input)) return { valid: false, reason: 'request must be a JSON object' };
  const { deviceId, publicKey, classId, metadata, proof } = input;
  if (typeof deviceId !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(deviceId))
    return { valid: false, reason: 'deviceId must be a 20-byte hex address' };
  if (typeof publicKey !== 'string' || !/^0x[0-9a-fA-F]{128}$/.test(publicKey))
    return { valid: false, reason: 'publicKey must be 64 bytes hex (X ‖ Y)' };
  if (typeof classId !== 'number' || !Number.isInteger(classId) || classId < 0 || classId > 0xffff)
    return { valid: false, reason: 'classId must be a uint16' };
  if (metadata !== undefined && !isObject(metadata)) return { valid: false, reason: 'metadata must be an object' };
  if (typeof proof !== 'string') return { valid: false, reason: 'proof must be a 65-byte hex signature' };
  const sec1 = new Uint8Array(65);
  sec1[0] = 0x04;
  sec1.set(hexToBytes(publicKey as `0x${string}`), 1);
  if (!secp256k1.publicKeyVerify(sec1)) return { valid: false, reason: 'publicKey is not a point on secp256k1' };
  const derived = deviceIdFromPublicKey(publicKey as `0x${string}`);
  if (!isAddressEqual(derived, deviceId as Address))
    return { valid: false, reason: `deviceId does not belong to publicKey (expected ${derived})` };
  try {
    splitSignature(proof as `0x${string}`);
  } catch (error) {
    if (error instanceof SignatureFormatError) return { valid: false, reason: `proof: ${error.message}` };
    throw error;
  }
  const digest = hexToBytes(hashMessage(registrationMessage(derived, classId)));
  const signer = recoverDigestSigner(digest, proof as `0x${string}`);
  if (signer === undefined || !isAddressEqual(signer, derived)) return { valid: false, reason: 'proof is not signed by the device key' };
  return {
    valid: true,
    request: {
      deviceId: derived,
      publicKey: publicKey.toLowerCase() as `0x${string}`,
      classId,
      ...(metadata === undefined ? {} : { metadata }),
      proof: proof as `0x${string}`,
    },
  };
}
