import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { pythiaFleetAbi } from '../contracts/abis.js';
import { airQualityProfile } from './airQuality.js';
import { parseProfile, profileFields, profileFieldsMarkdown, type Profile } from './profile.js';

describe('profile fields (docs/protocol.md, "Behaviour profiles")', () => {
  it('docs/protocol.md has the table of profileFields', () => {
    const doc = readFileSync(new URL('../../docs/protocol.md', import.meta.url), 'utf8');
    assert.ok(doc.includes(profileFieldsMarkdown()), 'run the table from profileFieldsMarkdown() into docs/protocol.md');
  });

  it('names and Solidity types are the compiled Profile struct, in order', () => {
    const event = pythiaFleetAbi.find((i) => i.type === 'event' && i.name === 'ClassProfileSet');
    assert.ok(event && event.type === 'event');
    const profile = event.inputs.find((p) => p.name === 'profile') as { components: ReadonlyArray<{ name: string; type: string }> };
    assert.deepEqual(
      profile.components.map((c) => [c.name, c.type]),
      profileFields.map((f) => [f.name, f.type]),
    );
  });

  it('parseProfile takes each documented bound and refuses one past it', () => {
    const base = { ...airQualityProfile } as Profile;
    const n = base.metricCount;
    const ok = (patch: Partial<Profile>) => assert.doesNotThrow(() => parseProfile({ ...base, ...patch }), JSON.stringify(patch));
    const refused = (patch: Partial<Profile>) => assert.throws(() => parseProfile({ ...base, ...patch }), JSON.stringify(patch));
    const max = { uint8: 255, uint16: 65535, uint32: 4294967295 } as const;
    for (const field of ['minInterval', 'maxClockSkew', 'flagThreshold', 'flagWindow', 'suspensionsBeforeRevoke'] as const) {
      const type = profileFields.find((f) => f.name === field)!.type as keyof typeof max;
      ok({ [field]: max[type] });
      refused({ [field]: max[type] + 1 });
      refused({ [field]: -1 });
    }
    ok({ flagThreshold: 0, flagWindow: 0 });
    refused({ flagThreshold: 1, flagWindow: 0 });
    ok({ maxPayloadBytes: 2 * n });
    refused({ maxPayloadBytes: 2 * n - 1 });
    ok({ maxPayloadBytes: 256 });
    refused({ maxPayloadBytes: 257 });
    const one = (v: number) => ({ metricCount: 1, maxPayloadBytes: 2, minValue: [v], maxValue: [v], maxDelta: [0] });
    ok(one(-32768));
    ok(one(32767));
    refused(one(-32769));
    refused(one(32768));
    refused({ ...one(0), metricCount: 0, maxPayloadBytes: 2 });
    const eight = {
      metricCount: 8,
      maxPayloadBytes: 16,
      minValue: Array(8).fill(0),
      maxValue: Array(8).fill(0),
      maxDelta: Array(8).fill(65535),
    };
    ok(eight);
    refused({ ...eight, maxDelta: [...Array(7).fill(0), 65536] });
    refused({
      ...eight,
      metricCount: 9,
      maxPayloadBytes: 18,
      minValue: Array(9).fill(0),
      maxValue: Array(9).fill(0),
      maxDelta: Array(9).fill(0),
    });
    refused({ minValue: base.maxValue.map((v) => v + 1), maxValue: base.maxValue });
    refused({ minValue: base.minValue.slice(1) });
  });
});
