/**
 * A behaviour profile as the fleet contract stores it (struct Profile), with the same
 * validation rules, so that a bad profile file is refused with a reason before any gas is spent.
 */
export type Profile = {
  metricCount: number;
  maxPayloadBytes: number;
  minInterval: number;
  maxClockSkew: number;
  flagThreshold: number;
  flagWindow: number;
  suspensionsBeforeRevoke: number;
  minValue: readonly number[];
  maxValue: readonly number[];
  maxDelta: readonly number[];
};

export const MAX_METRICS = 8;

export class ProfileError extends Error {
  constructor(
    readonly field: string,
    why: string,
  ) {
    super(`profile.${field} ${why}`);
  }
}

const UINT = { uint8: 0xff, uint16: 0xffff, uint32: 0xffffffff } as const;

function uint(raw: Record<string, unknown>, field: keyof Profile, type: keyof typeof UINT): number {
  const value = raw[field];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > UINT[type]) {
    throw new ProfileError(field, `must be an integer between 0 and ${UINT[type]} (${type})`);
  }
  return value;
}

function intArray(raw: Record<string, unknown>, field: keyof Profile, length: number, min: number, max: number): number[] {
  const value = raw[field];
  if (!Array.isArray(value)) throw new ProfileError(field, 'must be an array');
  if (value.length !== length) throw new ProfileError(field, `must have exactly metricCount (${length}) entries, has ${value.length}`);
  value.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new ProfileError(`${field}[${i}]`, `must be an integer between ${min} and ${max}`);
    }
  });
  return value as number[];
}

export function parseProfile(input: unknown): Profile {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ProfileError('', 'must be a JSON object');
  const raw = input as Record<string, unknown>;
  const known = new Set<string>([
    'metricCount',
    'maxPayloadBytes',
    'minInterval',
    'maxClockSkew',
    'flagThreshold',
    'flagWindow',
    'suspensionsBeforeRevoke',
    'minValue',
    'maxValue',
    'maxDelta',
  ]);
  for (const key of Object.keys(raw)) if (!known.has(key)) throw new ProfileError(key, 'is not a profile field');
  const metricCount = uint(raw, 'metricCount', 'uint8');
  if (metricCount < 1 || metricCount > MAX_METRICS) throw new ProfileError('metricCount', `must be between 1 and ${MAX_METRICS}`);
  const profile: Profile = {
    metricCount,
    maxPayloadBytes: uint(raw, 'maxPayloadBytes', 'uint16'),
    minInterval: uint(raw, 'minInterval', 'uint32'),
    maxClockSkew: uint(raw, 'maxClockSkew', 'uint32'),
    flagThreshold: uint(raw, 'flagThreshold', 'uint16'),
    flagWindow: uint(raw, 'flagWindow', 'uint32'),
    suspensionsBeforeRevoke: uint(raw, 'suspensionsBeforeRevoke', 'uint8'),
    minValue: intArray(raw, 'minValue', metricCount, -32768, 32767),
    maxValue: intArray(raw, 'maxValue', metricCount, -32768, 32767),
    maxDelta: intArray(raw, 'maxDelta', metricCount, 0, 65535),
  };
  if (profile.maxPayloadBytes < 2 * metricCount || profile.maxPayloadBytes > 256) {
    throw new ProfileError('maxPayloadBytes', `must be between 2 × metricCount (${2 * metricCount}) and 256`);
  }
  profile.minValue.forEach((min, i) => {
    if (min > profile.maxValue[i]!) throw new ProfileError(`minValue[${i}]`, `is above maxValue[${i}]`);
  });
  if (profile.flagThreshold > 0 && profile.flagWindow === 0)
    throw new ProfileError('flagWindow', 'must be positive when flagThreshold is set');
  return profile;
}
