import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  commandCatalogue,
  commandsToMask,
  ConsentScopeError,
  KNOWN_COMMANDS_MASK,
  maskToCommands,
  maskToStreams,
  splitNames,
  streamNames,
  streamsToMask,
} from './consentScope.js';

describe('consent scope names and bits', () => {
  it('maps streams in the air-quality metric order', () => {
    assert.deepEqual(streamNames, ['pm25', 'pm10', 'no2', 'o3', 'temperature', 'humidity']);
    assert.equal(streamsToMask(['pm25', 'no2']), 0x5);
    assert.equal(streamsToMask(['PM25', ' humidity ']), 0x21);
    assert.deepEqual(maskToStreams(0x5), ['pm25', 'no2']);
    assert.deepEqual(maskToStreams(0x41), ['pm25', 'bit6']);
    assert.equal(streamsToMask([]), 0);
  });

  it('maps the command catalogue (code = bit)', () => {
    assert.deepEqual(commandCatalogue, ['report_now', 'set_interval', 'calibrate', 'identify', 'reboot', 'set_led']);
    assert.equal(KNOWN_COMMANDS_MASK, 0x3f);
    assert.equal(commandsToMask(['identify']), 0x8);
    assert.deepEqual(maskToCommands(0x18), ['identify', 'reboot']);
    assert.equal(commandsToMask(commandCatalogue), KNOWN_COMMANDS_MASK);
  });

  it('refuses unknown names with the list of known ones', () => {
    assert.throws(
      () => streamsToMask(['pm1']),
      (e: Error) => e instanceof ConsentScopeError && /unknown stream "pm1": one of pm25/.test(e.message),
    );
    assert.throws(() => commandsToMask(['selfdestruct']), /unknown command "selfdestruct": one of report_now/);
  });

  it('splits comma lists', () => {
    assert.deepEqual(splitNames('pm25, no2,,'), ['pm25', 'no2']);
    assert.deepEqual(splitNames(''), []);
  });
});
