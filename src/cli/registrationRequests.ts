import { readFileSync } from 'node:fs';
import type { Address, Hex } from 'viem';
import { checkDeviceMetadata, type DeviceMetadata } from '../chain/deviceMetadata.js';
import { deviceIdFromPublicKey } from '../protocol/deviceId.js';
import { verifyRegistrationRequest } from '../sdk/verifyRegistrationRequest.js';
import { UsageError } from './output.js';

export type ReadRegistrationRequestsParameters = {
  /** Registration request files (docs/protocol.md, "Registration request"), in order. */
  paths: readonly string[];
  /** Public keys given on the command line, registered after the requests' keys. */
  publicKeys?: readonly Hex[];
  /** The class the command registers into; every request must name it. Default: the requests' class. */
  classId?: number | undefined;
};

export type ReadRegistrationRequestsReturnType = {
  publicKeys: Hex[];
  classId: number | undefined;
  /** The requests' metadata (checked: docs/console.md, "The map"), for <data dir>/device-metadata.json once registered. */
  metadata: { device: Address; metadata: DeviceMetadata }[];
};

/**
 * The keys to register from registration requests (each proof of possession checked) and the
 * command line, all of one class, none twice. Anything wrong refuses the whole set before any
 * transaction: a set of devices is registered together or not at all.
 */
export function readRegistrationRequests(parameters: ReadRegistrationRequestsParameters): ReadRegistrationRequestsReturnType {
  let classId = parameters.classId;
  const publicKeys: Hex[] = [];
  const metadata: ReadRegistrationRequestsReturnType['metadata'] = [];
  for (const path of parameters.paths) {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(path, 'utf8'));
    } catch (error) {
      throw new UsageError(`cannot read registration request ${path}: ${(error as Error).message}`);
    }
    let request: ReturnType<typeof verifyRegistrationRequest>;
    try {
      request = verifyRegistrationRequest(raw);
    } catch (error) {
      throw new UsageError(`registration request ${path} refused: ${(error as Error).message}`);
    }
    classId ??= request.classId;
    if (request.classId !== classId) {
      throw new UsageError(
        parameters.classId === undefined
          ? `registration request ${path} is for class ${request.classId}, the ones before it for class ${classId}: register each class separately`
          : `registration request ${path} is for class ${request.classId}, not --class ${classId}`,
      );
    }
    publicKeys.push(request.publicKey);
    if (request.metadata !== undefined) {
      try {
        metadata.push({ device: deviceIdFromPublicKey(request.publicKey), metadata: checkDeviceMetadata(request.metadata) });
      } catch (error) {
        throw new UsageError(`registration request ${path} refused: ${(error as Error).message}`);
      }
    }
  }
  publicKeys.push(...(parameters.publicKeys ?? []));
  const seen = new Set<string>();
  for (const key of publicKeys) {
    const id = deviceIdFromPublicKey(key);
    if (seen.has(id)) throw new UsageError(`device ${id} is listed twice`);
    seen.add(id);
  }
  return { publicKeys, classId, metadata };
}
