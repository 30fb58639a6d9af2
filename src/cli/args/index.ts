export { parseAddress, parseAddressArg, parseAmount, parseAmountArg, type ParseAmountOptions } from './addresses.js';
export {
  parseBytes32,
  parseBytes32Arg,
  parseClassArg,
  parseDeviceOrDid,
  parseDeviceOrDidArg,
  parseId,
  parseIdArg,
  parseInteger,
  parseIntegerArg,
  parseRelease,
  parseReleaseArg,
  parseUint64,
  parseUint64Arg,
} from './ids.js';
export {
  DURATION_UNITS,
  formatDuration,
  formatTime,
  parseDuration,
  parseDurationArg,
  parseTime,
  parseTimeArg,
  type ParseDurationOptions,
  type ParseTimeOptions,
} from './time.js';
export {
  collect,
  collectText,
  parseChainEndpoint,
  parseChainEndpointArg,
  parseChoice,
  parseChoiceArg,
  parseHexBytes,
  parseHexBytesArg,
  parsePublicKey,
  parsePublicKeyArg,
  parseText,
  parseTextArg,
  parseUrl,
  parseUrlArg,
} from './values.js';
export { parseCommandsArg, parseStreamsArg } from './scope.js';
