import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseProfile } from '../../protocol/profile.js';
import { profilePresets } from './profile.js';

describe('profile presets', () => {
  it('docs/examples/air-quality-profile.json is the air-quality preset, and a valid profile file', () => {
    const file = JSON.parse(readFileSync(new URL('../../../docs/examples/air-quality-profile.json', import.meta.url), 'utf8'));
    assert.deepEqual(parseProfile(file), profilePresets['air-quality']);
  });
});
