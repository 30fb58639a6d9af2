import { InvalidArgumentError } from 'commander';
import {
  commandCatalogue,
  commandsToMask,
  ConsentScopeError,
  splitNames,
  streamNames,
  streamsToMask,
} from '../../protocol/consentScope.js';

/**
 * What a consent or a feed covers, by name: comma-separated stream names (pm25,no2) or command
 * names (identify,reboot), as the bitmask the contracts take. At least one name; every name known.
 */
function parseNames(name: string, value: string, kind: string, known: readonly string[], toMask: (names: string[]) => number): number {
  const names = splitNames(value);
  if (names.length === 0) throw new InvalidArgumentError(`${name}: name at least one ${kind}: ${known.join(', ')}`);
  try {
    return toMask(names);
  } catch (error) {
    if (error instanceof ConsentScopeError) throw new InvalidArgumentError(`${name}: ${error.message}`);
    throw error;
  }
}

export const parseStreamsArg =
  (name: string) =>
  (value: string): number =>
    parseNames(name, value, 'stream', streamNames, streamsToMask);

export const parseCommandsArg =
  (name: string) =>
  (value: string): number =>
    parseNames(name, value, 'command', commandCatalogue, commandsToMask);
