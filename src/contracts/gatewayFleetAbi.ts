import { parseAbi } from 'viem';

/**
 * The part of the PythiaFleet ABI (contracts/src/interfaces/IPythiaFleet.sol) the gateway uses.
 * Kept as human-readable fragments so the gateway typechecks on its own; fleetAbi.test.ts checks
 * every fragment against the generated ABI in src/contracts/abis.ts.
 */
export const gatewayFleetAbi = parseAbi([
  'struct Profile { uint8 metricCount; uint16 maxPayloadBytes; uint32 minInterval; uint32 maxClockSkew; uint16 flagThreshold; uint32 flagWindow; uint8 suspensionsBeforeRevoke; int16[] minValue; int16[] maxValue; uint16[] maxDelta; }',
  'struct SignedReading { address device; uint64 sequence; uint64 timestamp; bytes payload; bytes32 r; bytes32 vs; }',
  'struct DeviceView { uint8 status; uint16 classId; bool hasOwnProfile; uint64 lastSequence; uint64 lastTimestamp; int16[] lastValues; uint32 flags; uint16 flagsInWindow; uint64 flagWindowStart; uint8 autoSuspensions; bytes publicKey; }',
  'function getDevice(address device) view returns (DeviceView)',
  'function effectiveProfile(address device) view returns (Profile profile, uint32 version, bool own)',
  'function domainSeparator() view returns (bytes32)',
  'function submitReadings(SignedReading[] readings)',
  'event DeviceRegistered(address indexed device, uint16 indexed classId, bytes publicKey, address indexed registrar)',
  'event DeviceStatusChanged(address indexed device, uint8 previous, uint8 current, address indexed by, string reason)',
  'event ClassProfileSet(uint16 indexed classId, uint32 version, Profile profile)',
  'event DeviceProfileSet(address indexed device, uint32 version, Profile profile)',
  'event DeviceProfileCleared(address indexed device)',
  'event ReadingAccepted(address indexed device, uint64 sequence)',
  'event ReadingFlagged(address indexed device, uint64 sequence, uint8 reasons, uint8 metric, int16 value)',
  'event ReadingSkipped(address indexed device, uint64 sequence, uint8 reason)',
  'event DeviceKeyRotated(address indexed device, address previousSigner, address newSigner, bytes newPublicKey)',
]);
