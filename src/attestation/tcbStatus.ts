export const tcbStatuses = [
  'UpToDate',
  'SWHardeningNeeded',
  'ConfigurationNeeded',
  'ConfigurationAndSWHardeningNeeded',
  'OutOfDate',
  'OutOfDateConfigurationNeeded',
  'Revoked',
] as const;
export type TcbStatus = (typeof tcbStatuses)[number];

export function isTcbStatus(value: unknown): value is TcbStatus {
  return typeof value === 'string' && (tcbStatuses as readonly string[]).includes(value);
}

export type ConvergeTcbStatusParameters = { platform: TcbStatus; component: TcbStatus };

/**
 * Intel QvL's rule for folding the QE's (or the TDX module's) TCB status into the platform's
 * (QuoteVerifier::convergeTcbStatus):
 * - component Revoked → Revoked;
 * - component OutOfDate: platform UpToDate / SWHardeningNeeded → OutOfDate, platform
 *   ConfigurationNeeded / ConfigurationAndSWHardeningNeeded → OutOfDateConfigurationNeeded;
 * - otherwise the platform status stands (it already carries its own OutOfDate/Revoked).
 */
export function convergeTcbStatus({ platform, component }: ConvergeTcbStatusParameters): TcbStatus {
  if (component === 'Revoked') return 'Revoked';
  if (component === 'OutOfDate') {
    if (platform === 'UpToDate' || platform === 'SWHardeningNeeded') return 'OutOfDate';
    if (platform === 'ConfigurationNeeded' || platform === 'ConfigurationAndSWHardeningNeeded') return 'OutOfDateConfigurationNeeded';
  }
  return platform;
}
