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

/**
 * Every field of a profile with its Solidity type, the values the contract (ProfileCodec.validate)
 * and parseProfile take, and its unit: the table of docs/protocol.md, "Behaviour profiles"
 * (profile.test.ts checks the table there, these types against the compiled Profile struct and
 * these ranges against parseProfile).
 */
export const profileFields = [
  { name: 'metricCount', type: 'uint8', range: '1 … 8', unit: 'metrics', meaning: 'How many int16 metrics a payload starts with.' },
  {
    name: 'maxPayloadBytes',
    type: 'uint16',
    range: '2 × metricCount … 256',
    unit: 'bytes',
    meaning: 'Largest payload; a payload shorter than 2 × metricCount or longer than this is flagged PayloadSize.',
  },
  {
    name: 'minInterval',
    type: 'uint32',
    range: '0 … 4294967295',
    unit: 'seconds',
    meaning: 'Least time between two readings’ device timestamps (TooFrequent; a timestamp going backwards always is).',
  },
  {
    name: 'maxClockSkew',
    type: 'uint32',
    range: '0 … 4294967295',
    unit: 'seconds',
    meaning: 'How far a device timestamp may run ahead of the block time (ClockSkew).',
  },
  {
    name: 'flagThreshold',
    type: 'uint16',
    range: '0 … 65535',
    unit: 'flags',
    meaning: 'Flags within flagWindow that suspend the device automatically; 0 = never.',
  },
  {
    name: 'flagWindow',
    type: 'uint32',
    range: '0 … 4294967295; ≥ 1 when flagThreshold > 0',
    unit: 'seconds',
    meaning: 'The fixed window, from the first flag (block time), in which flags count.',
  },
  {
    name: 'suspensionsBeforeRevoke',
    type: 'uint8',
    range: '0 … 255',
    unit: 'suspensions',
    meaning: 'Automatic suspensions after which the next one revokes the device; 0 = never.',
  },
  {
    name: 'minValue',
    type: 'int16[]',
    range: 'metricCount entries, each −32768 … 32767, ≤ maxValue[i]',
    unit: 'metric units',
    meaning: 'Lowest value of metric i (OutOfRange below it).',
  },
  {
    name: 'maxValue',
    type: 'int16[]',
    range: 'metricCount entries, each −32768 … 32767',
    unit: 'metric units',
    meaning: 'Highest value of metric i (OutOfRange above it).',
  },
  {
    name: 'maxDelta',
    type: 'uint16[]',
    range: 'metricCount entries, each 0 … 65535',
    unit: 'metric units',
    meaning: 'Largest change of metric i since the previous reading (ExcessiveChange); 0 disables the check for that metric.',
  },
] as const satisfies ReadonlyArray<{ name: keyof Profile; type: string; range: string; unit: string; meaning: string }>;

/** The Markdown table of profileFields, as docs/protocol.md has it. */
export function profileFieldsMarkdown(): string {
  return [
    '| field | Solidity type | values | unit | meaning |',
    '|---|---|---|---|---|',
    ...profileFields.map((f) => `| \`${f.name}\` | \`${f.type}\` | ${f.range} | ${f.unit} | ${f.meaning} |`),
  ].join('\n');
}
