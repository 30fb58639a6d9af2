import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { abiReferenceMarkdown, buildAbiReference, codedParameters, codeTables, contractAbis, type EventReference } from './abiReference.js';
import { enumOfInternalType, solidityEnums } from './solidityEnums.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

const solidityFiles = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? solidityFiles(path) : name.endsWith('.sol') ? [path] : [];
  });

/** `enum Name { A, B, // comment \n C }` → members, from the Solidity text. */
function enumsIn(text: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const match of text.matchAll(/\benum\s+([A-Za-z0-9_]+)\s*\{([^}]*)\}/g)) {
    const body = match[2]!.replace(/\/\/[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
    found.set(
      match[1]!,
      body
        .split(',')
        .map((m) => m.trim())
        .filter(Boolean),
    );
  }
  return found;
}

describe('the ABI reference (docs/abi.md, GET /v1/abi)', () => {
  const reference = buildAbiReference();

  it('docs/abi.md is what the compiled ABIs give (run `npm run docs:abi` after a contract change)', () => {
    assert.equal(readFileSync(join(root, 'docs/abi.md'), 'utf8'), abiReferenceMarkdown(reference));
  });

  it('lists every event and error of every deployable contract, with indexed flags as compiled', () => {
    for (const { name, abi } of contractAbis()) {
      const contract = reference.contracts.find((c) => c.name === name);
      assert.ok(contract, name);
      const events = abi.filter((i) => i.type === 'event');
      const errors = abi.filter((i) => i.type === 'error');
      assert.equal(contract.events.length, events.length, `${name} events`);
      assert.equal(contract.errors.length, errors.length, `${name} errors`);
      for (const event of events) {
        const documented: EventReference | undefined = contract.events.find(
          (e) => e.name === event.name && e.inputs.length === (event.inputs ?? []).length,
        );
        assert.ok(documented, `${name}.${event.name}`);
        assert.deepEqual(
          documented.inputs.map((p) => [p.name, p.type, p.indexed]),
          (event.inputs ?? []).map((p) => [p.name, p.type, p.indexed === true]),
        );
      }
    }
    const fleet = reference.contracts.find((c) => c.name === 'PythiaFleet')!;
    const skipped = fleet.events.find((e) => e.name === 'ReadingSkipped')!;
    assert.equal(skipped.signature, 'ReadingSkipped(address,uint64,uint8)');
    assert.deepEqual(
      skipped.inputs.map((p) => [p.name, p.indexed, p.enum]),
      [
        ['device', true, undefined],
        ['sequence', false, undefined],
        ['reason', false, 'IPythiaFleetTypes.SkipReason'],
      ],
    );
  });

  it('the enum table is the Solidity sources, member for member, and covers every enum in the ABIs', () => {
    for (const [name, { source, members }] of Object.entries(solidityEnums)) {
      const path = source.startsWith('@') ? join(root, 'node_modules', source) : join(root, source);
      const parsed = enumsIn(readFileSync(path, 'utf8')).get(name.split('.').pop()!);
      assert.deepEqual(parsed, [...members], `${name} in ${source}`);
    }
    const declared = new Set<string>();
    for (const file of solidityFiles(join(root, 'contracts/src'))) {
      for (const name of enumsIn(readFileSync(file, 'utf8')).keys()) declared.add(name);
    }
    const tabled = new Set(Object.keys(solidityEnums).map((n) => n.split('.').pop()));
    for (const name of declared) assert.ok(tabled.has(name), `enum ${name} of contracts/src is in solidityEnums`);
    const internalTypes = new Set(JSON.stringify(contractAbis().map((c) => c.abi)).match(/"internalType":"enum [^"]+"/g) ?? []);
    assert.ok(internalTypes.size > 5);
    for (const t of internalTypes) {
      const internalType = t.slice('"internalType":"'.length, -1);
      assert.ok(enumOfInternalType(internalType), `${internalType} has members in solidityEnums`);
    }
  });

  it('every uint8 of an event or error is an enum, a code table, a bitmask or a documented plain number', () => {
    const plainNumbers = new Set(['SafeCastOverflowedUintDowncast.bits', 'ReadingFlagged.metric', 'ReleaseKeysSet.threshold']);
    const names = new Set(reference.enums.map((e) => e.name));
    for (const contract of reference.contracts) {
      for (const item of [...contract.events, ...contract.errors]) {
        for (const p of item.inputs) {
          if (p.type !== 'uint8') continue;
          const key = `${item.name}.${p.name}`;
          if (p.enum) assert.ok(names.has(p.enum), `${key}: ${p.enum} is listed`);
          else assert.ok(p.bitmask || plainNumbers.has(key), `${contract.name}.${key} is a uint8 whose numbers are not documented`);
        }
      }
    }
    const all = reference.contracts.flatMap((c) => [...c.events, ...c.errors].flatMap((i) => i.inputs.map((p) => `${i.name}.${p.name}`)));
    for (const key of Object.keys(codedParameters)) assert.ok(all.includes(key), `${key} exists in the ABIs`);
  });

  it('the code tables are the contracts’ constants', () => {
    const canary = readFileSync(join(root, 'contracts/src/CanaryRegistry.sol'), 'utf8');
    for (const { value, name } of codeTables.find((t) => t.name === 'CanaryRegistry.CanaryRefusal')!.members) {
      assert.match(canary, new RegExp(`uint8 internal constant ${name} = ${value};`));
    }
    const firmware = readFileSync(join(root, 'contracts/src/FirmwareRegistry.sol'), 'utf8');
    const bit = reference.flagReasons.find((f) => f.name === 'FirmwareUnapproved')!.bit;
    assert.match(firmware, new RegExp(`FIRMWARE_UNAPPROVED = ${bit};`));
  });
});
