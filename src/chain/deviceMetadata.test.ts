import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  deviceLocation,
  deviceMetadataPath,
  deviceMetadataReader,
  DeviceMetadataError,
  readDeviceMetadata,
  recordDeviceMetadata,
} from './deviceMetadata.js';

const dirs: string[] = [];
const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'pythia-metadata-'));
  dirs.push(dir);
  return dir;
};
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const a = '0x5B38Da6a701c568545dCfcB03FcB875f56beddC4';
const b = '0xAb8483F64d9C6d1EcF9b849Ae677dD3315835cb2';

test('records metadata by checksummed device id, merges later records, 0600', () => {
  const dir = dataDir();
  assert.deepEqual(readDeviceMetadata(dir), new Map(), 'no file: no metadata');
  recordDeviceMetadata({
    dataDir: dir,
    devices: [{ device: a.toLowerCase() as `0x${string}`, metadata: { name: 'Market', latitude: 52.2, longitude: 0.12 } }],
  });
  recordDeviceMetadata({ dataDir: dir, devices: [{ device: b, metadata: { site: 'roadside' } }] });
  const read = readDeviceMetadata(dir);
  assert.deepEqual([...read.keys()], [a, b]);
  assert.deepEqual(deviceLocation(read.get(a)), { latitude: 52.2, longitude: 0.12 });
  assert.equal(deviceLocation(read.get(b)), undefined);
  assert.equal(statSync(deviceMetadataPath(dir)).mode & 0o777, 0o600);
});

test('refuses a bad entry with its reason and writes nothing of the set', () => {
  const dir = dataDir();
  const refused = (metadata: unknown, why: RegExp) =>
    assert.throws(
      () =>
        recordDeviceMetadata({
          dataDir: dir,
          devices: [
            { device: a, metadata: { name: 'ok' } },
            { device: b, metadata },
          ],
        }),
      (error: Error) => error instanceof DeviceMetadataError && why.test(error.message),
    );
  refused([1, 2], /must be a JSON object/);
  refused({ latitude: 91, longitude: 0 }, /latitude and longitude/);
  refused({ latitude: '52.2', longitude: 0.1 }, /latitude and longitude/);
  refused({ latitude: 52.2 }, /latitude and longitude/);
  refused({ note: 'x'.repeat(3000) }, /at most 2048/);
  assert.deepEqual(readDeviceMetadata(dir), new Map());
});

test('a broken file is an error that names it; the reader reads the file again when it changes', () => {
  const dir = dataDir();
  const reader = deviceMetadataReader(dir);
  assert.equal(reader().size, 0);
  recordDeviceMetadata({ dataDir: dir, devices: [{ device: a, metadata: { name: 'one' } }] });
  assert.equal(reader().get(a)?.name, 'one');
  writeFileSync(deviceMetadataPath(dir), '{"not an address": {}}');
  assert.throws(() => reader(), /device-metadata\.json: not an address is not a device id/);
  writeFileSync(deviceMetadataPath(dir), '{');
  assert.throws(() => readDeviceMetadata(dir), /cannot read .*device-metadata\.json/);
});
