import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from 'commander';
import { parseCommandsArg, parseStreamsArg } from './scope.js';

describe('stream and command names', () => {
  it('turn comma-separated names into the bitmask of the contracts', () => {
    assert.equal(parseStreamsArg('--streams')('pm25,no2'), 0b101);
    assert.equal(parseStreamsArg('--streams')(' pm25 , pm10 '), 0b11);
    assert.equal(parseCommandsArg('--commands')('identify'), 1 << 3);
  });

  it('refuse unknown and missing names', () => {
    assert.throws(
      () => parseStreamsArg('--streams')('pm25,co2'),
      (e: unknown) => e instanceof InvalidArgumentError && /--streams: unknown stream "co2": one of pm25, pm10/.test(e.message),
    );
    assert.throws(() => parseCommandsArg('--commands')('selfdestruct'), /unknown command "selfdestruct"/);
    assert.throws(() => parseStreamsArg('--streams')(' , '), /--streams: name at least one stream/);
  });
});
