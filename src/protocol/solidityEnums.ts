/**
 * Every Solidity enum the contracts' ABIs carry (an ABI says only `uint8`), keyed by the name solc
 * puts in `internalType` (`enum <Name>`), with its members in declaration order: member i is the
 * number i on the wire. `solidityEnums.test.ts` checks this table against contracts/src (and
 * OpenZeppelin for TimelockController) and against every `enum` internalType in src/contracts/abis.ts.
 */
export const solidityEnums = {
  'IPythiaFleetTypes.DeviceStatus': {
    source: 'contracts/src/interfaces/IPythiaFleet.sol',
    members: ['None', 'Active', 'Suspended', 'Revoked'],
  },
  'IPythiaFleetTypes.SkipReason': {
    source: 'contracts/src/interfaces/IPythiaFleet.sol',
    members: ['BadSignature', 'Replayed', 'UnknownDevice', 'DeviceSuspended', 'DeviceRevoked'],
  },
  'IConsentRegistry.Refusal': {
    source: 'contracts/src/interfaces/IConsentRegistry.sol',
    members: [
      'None',
      'UnknownConsent',
      'NotYetValid',
      'Expired',
      'Revoked',
      'DeviceNotCovered',
      'OwnershipChanged',
      'WrongRecipient',
      'StreamNotCovered',
      'CommandNotCovered',
    ],
  },
  'IFirmwareRegistryTypes.UpdatePolicy': {
    source: 'contracts/src/interfaces/IFirmwareRegistry.sol',
    members: ['ApproveEach', 'Automatic'],
  },
  'IFirmwareRegistryTypes.ApprovalReason': {
    source: 'contracts/src/interfaces/IFirmwareRegistry.sol',
    members: ['Approved', 'UnknownRelease', 'DeviceNotActive', 'WrongClass', 'Revoked', 'NotNewer', 'OwnerApprovalMissing'],
  },
  'IFirmwareRegistryTypes.ReportVerdict': {
    source: 'contracts/src/interfaces/IFirmwareRegistry.sol',
    members: ['Installed', 'UnknownBuild', 'OtherClass', 'RevokedBuild', 'Rollback'],
  },
  'IPythiaRegistry.TeeType': {
    source: 'contracts/src/interfaces/IPythiaRegistry.sol',
    members: ['None', 'SGX', 'TDX'],
  },
  'IPythiaRegistry.PythiaStatus': {
    source: 'contracts/src/interfaces/IPythiaRegistry.sol',
    members: ['None', 'Active', 'Revoked'],
  },
  'IPythiaRegistry.MeasurementStatus': {
    source: 'contracts/src/interfaces/IPythiaRegistry.sol',
    members: ['None', 'Approved', 'Revoked'],
  },
  'ICanaryRegistry.ClaimStatus': {
    source: 'contracts/src/interfaces/ICanaryRegistry.sol',
    members: ['None', 'Open', 'Disputed', 'Upheld', 'Rejected'],
  },
  'IDeletionRequests.Status': {
    source: 'contracts/src/interfaces/IDeletionRequests.sol',
    members: ['None', 'Pending', 'Acknowledged', 'Penalised'],
  },
  'TimelockController.OperationState': {
    source: '@openzeppelin/contracts/governance/TimelockController.sol',
    members: ['Unset', 'Waiting', 'Ready', 'Done'],
  },
} as const satisfies Record<string, { source: string; members: readonly string[] }>;

export type SolidityEnumName = keyof typeof solidityEnums;

/** The enum an ABI parameter's internalType names (`enum X.Y`, `enum X.Y[]`), if any. */
export function enumOfInternalType(internalType: string | undefined): SolidityEnumName | undefined {
  const match = /^enum ([A-Za-z0-9_.]+)(\[\d*\])*$/.exec(internalType ?? '');
  if (!match) return undefined;
  return Object.hasOwn(solidityEnums, match[1]!) ? (match[1] as SolidityEnumName) : undefined;
}
