/** IConsentRegistry.Refusal, in order (0 = permitted): why checkConsent says no. */
export const refusalNames = [
  'none',
  'unknown-consent',
  'not-yet-valid',
  'expired',
  'revoked',
  'device-not-covered',
  'ownership-changed',
  'wrong-recipient',
  'stream-not-covered',
  'command-not-covered',
] as const;

export type RefusalName = (typeof refusalNames)[number];

export function refusalName(code: number): RefusalName {
  return refusalNames[code] ?? 'unknown-consent';
}
