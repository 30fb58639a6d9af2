import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { getAddress, isAddress, type Address } from 'viem';
import { writeFileAtomicSync } from '../keystore/writeFileAtomic.js';

/**
 * What the operator knows of a device beyond the chain: the registration request's `metadata`
 * (docs/protocol.md, "Registration request": site, name, location). It is kept by the node, in
 * `<data dir>/device-metadata.json`, not on chain: a device's location is the owner's personal data
 * (a household's sensor says where the household lives), and the ledger can erase nothing.
 */
export type DeviceMetadata = Record<string, unknown>;

/** A place on the map: WGS 84 degrees, as the simulator and GPS modules give them. */
export type DeviceLocation = { latitude: number; longitude: number };

/** At most this many bytes of JSON per device: metadata is a label, not a data store. */
export const MAX_METADATA_BYTES = 2048;

export class DeviceMetadataError extends Error {}

export const deviceMetadataPath = (dataDir: string) => join(dataDir, 'device-metadata.json');

/** The location of a device's metadata (`latitude` and `longitude`, numbers in range), or undefined if it has none. */
export function deviceLocation(metadata: DeviceMetadata | undefined): DeviceLocation | undefined {
  const latitude = metadata?.latitude;
  const longitude = metadata?.longitude;
  if (typeof latitude !== 'number' || typeof longitude !== 'number') return undefined;
  if (!(Math.abs(latitude) <= 90 && Math.abs(longitude) <= 180)) return undefined;
  return { latitude, longitude };
}

/** Checks one device's metadata: a JSON object of at most MAX_METADATA_BYTES, its location (if any) in range. */
export function checkDeviceMetadata(metadata: unknown): DeviceMetadata {
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata))
    throw new DeviceMetadataError('metadata must be a JSON object');
  const size = Buffer.byteLength(JSON.stringify(metadata));
  if (size > MAX_METADATA_BYTES) throw new DeviceMetadataError(`metadata is ${size} bytes of JSON, at most ${MAX_METADATA_BYTES}`);
  const record = metadata as DeviceMetadata;
  if (('latitude' in record || 'longitude' in record) && deviceLocation(record) === undefined)
    throw new DeviceMetadataError('metadata latitude and longitude must both be numbers, -90 … 90 and -180 … 180 (WGS 84 degrees)');
  return record;
}

/** Every device's metadata in the data directory (an empty map when there is no file), each entry checked. */
export function readDeviceMetadata(dataDir: string): Map<Address, DeviceMetadata> {
  const path = deviceMetadataPath(dataDir);
  if (!existsSync(path)) return new Map();
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new DeviceMetadataError(`cannot read ${path}: ${(error as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new DeviceMetadataError(`${path} must be a JSON object`);
  const out = new Map<Address, DeviceMetadata>();
  for (const [device, metadata] of Object.entries(raw)) {
    if (!isAddress(device, { strict: false })) throw new DeviceMetadataError(`${path}: ${device} is not a device id`);
    try {
      out.set(getAddress(device), checkDeviceMetadata(metadata));
    } catch (error) {
      throw new DeviceMetadataError(`${path}: ${device}: ${(error as Error).message}`);
    }
  }
  return out;
}

export type RecordDeviceMetadataParameters = { dataDir: string; devices: readonly { device: Address; metadata: unknown }[] };

/**
 * Adds (or replaces) devices' metadata in the data directory, all or nothing: every entry is checked
 * first, then the file is written atomically (0600).
 */
export function recordDeviceMetadata({ dataDir, devices }: RecordDeviceMetadataParameters): void {
  const checked = devices.map(({ device, metadata }) => [getAddress(device), checkDeviceMetadata(metadata)] as const);
  if (checked.length === 0) return;
  const all = readDeviceMetadata(dataDir);
  for (const [device, metadata] of checked) all.set(device, metadata);
  writeFileAtomicSync(deviceMetadataPath(dataDir), `${JSON.stringify(Object.fromEntries(all), null, 2)}\n`);
}

/**
 * The node's view of the file: read again only when it changed (the CLI writes it while the node
 * runs). A broken file is an error with its reason, for each caller to report.
 */
export function deviceMetadataReader(dataDir: string): () => Map<Address, DeviceMetadata> {
  let seen: { key: string; value: Map<Address, DeviceMetadata> } | undefined;
  return () => {
    const path = deviceMetadataPath(dataDir);
    const stat = existsSync(path) ? statSync(path) : undefined;
    const key = stat ? `${stat.mtimeMs}:${stat.size}:${stat.ino}` : 'none';
    if (seen?.key !== key) seen = { key, value: readDeviceMetadata(dataDir) };
    return seen.value;
  };
}
