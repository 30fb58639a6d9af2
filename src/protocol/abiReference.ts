import { toEventSelector, toFunctionSelector, type Hex } from 'viem';
import { formatAbiItem } from 'viem/utils';
import * as abis from '../contracts/abis.js';
import { commandCatalogue } from './consentScope.js';
import { flagReasonBits } from './reasons.js';
import { enumOfInternalType, solidityEnums, type SolidityEnumName } from './solidityEnums.js';

/**
 * The integrator's view of the contracts: every event and custom error of every deployable
 * contract, with Solidity types, which event parameters are indexed, the enum behind each `uint8`
 * that is one, and the numbers behind enums and the flag bitmask. Built from the compiled ABIs in
 * src/contracts/abis.ts, so it cannot drift from them: docs/abi.md is this rendered as Markdown
 * (`npm run docs:abi`), and the gateway serves it as JSON at GET /v1/abi.
 */
export type AbiReference = {
  contracts: ContractAbiReference[];
  enums: EnumReference[];
  /** The bits of ReadingFlagged.reasons and DeviceFlagged.reasons (a uint8 bitmask, not an enum). */
  flagReasons: Array<{ bit: number; name: string; description: string }>;
};

export type ContractAbiReference = {
  /** The contract's name, as in contracts/src (`PythiaFleet`). */
  name: string;
  events: EventReference[];
  errors: ErrorReference[];
};

export type AbiParameterReference = {
  name: string;
  /** The ABI type (`uint8`, `address`, `tuple[]`, ...). */
  type: string;
  /** The Solidity type solc reports (`enum IPythiaFleetTypes.SkipReason`, `struct ...`), when it differs from type. */
  internalType?: string;
  /** Events only: the parameter is a topic (filterable), not in the data. */
  indexed?: boolean;
  /** The enum or code table (a name in `enums`) whose member number this parameter carries. */
  enum?: string;
  /** The parameter is a bitmask of `flagReasons`. */
  bitmask?: 'flagReasons';
  components?: AbiParameterReference[];
};

export type EventReference = {
  name: string;
  /** Canonical signature, e.g. `ReadingSkipped(address,uint64,uint8)`. */
  signature: string;
  /** keccak256 of the signature: topic 0 of every log of this event. */
  topic0: Hex;
  inputs: AbiParameterReference[];
};

export type ErrorReference = {
  name: string;
  signature: string;
  /** The first four bytes of the revert data. */
  selector: Hex;
  inputs: AbiParameterReference[];
};

export type EnumReference = {
  /** As in internalType without `enum ` (`IPythiaFleetTypes.SkipReason`). */
  name: string;
  source: string;
  members: Array<{ value: number; name: string }>;
};

/**
 * Code tables that are not Solidity enums: uint8 constants a contract emits. The test checks the
 * canary refusals against CanaryRegistry.sol's REFUSED_* constants.
 */
export const codeTables: EnumReference[] = [
  {
    name: 'CanaryRegistry.CanaryRefusal',
    source: 'contracts/src/CanaryRegistry.sol (REFUSED_* constants)',
    members: [
      { value: 1, name: 'REFUSED_ZERO' },
      { value: 2, name: 'REFUSED_DUPLICATE' },
      { value: 3, name: 'REFUSED_NOT_LOGGED' },
    ],
  },
  {
    name: 'CommandCode',
    source: 'src/protocol/consentScope.ts (docs/protocol.md, "Command catalogue")',
    members: commandCatalogue.map((name, value) => ({ value, name })),
  },
];

/** The flag bit raised outside the reading path (DeviceFlagged by the firmware registry; FIRMWARE_UNAPPROVED). */
const firmwareUnapprovedBit = {
  bit: 32,
  name: 'FirmwareUnapproved',
  description:
    'DeviceFlagged only (FirmwareRegistry): the device reported a build that is not an installable release for it (unknown, another class, revoked, or a rollback); evidence = the digest.',
};

/**
 * Parameters the contracts declare `uint8` (so the ABI names no enum) that carry an enum or code
 * table anyway, keyed by `<event or error>.<parameter>`.
 */
export const codedParameters: Record<string, string> = {
  'EntryRefused.refusal': 'IConsentRegistry.Refusal',
  'ConsentNotLive.refusal': 'IConsentRegistry.Refusal',
  'DeviceNotActive.status': 'IPythiaFleetTypes.DeviceStatus',
  'InvalidMeasurement.teeType': 'IPythiaRegistry.TeeType',
  'InvalidTeeType.teeType': 'IPythiaRegistry.TeeType',
  'CanaryRefused.reason': 'CanaryRegistry.CanaryRefusal',
  'CommandLogged.command': 'CommandCode',
};

const bitmaskParameters = new Set(['ReadingFlagged.reasons', 'DeviceFlagged.reasons']);

type RawParameter = {
  name?: string;
  type: string;
  internalType?: string;
  indexed?: boolean;
  components?: readonly RawParameter[];
};
type RawItem = { type: string; name?: string; inputs?: readonly RawParameter[]; anonymous?: boolean };

/** The deployable contracts' ABIs, by contract name (`pythiaFleetAbi` → PythiaFleet), in name order. */
export function contractAbis(): Array<{ name: string; abi: readonly RawItem[] }> {
  return Object.entries(abis)
    .filter(([key]) => key.endsWith('Abi'))
    .map(([key, abi]) => ({ name: key[0]!.toUpperCase() + key.slice(1, -'Abi'.length), abi: abi as readonly RawItem[] }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

function parameterReference(p: RawParameter, event: boolean, item?: string): AbiParameterReference {
  const key = `${item}.${p.name}`;
  const enumName = enumOfInternalType(p.internalType) ?? (item !== undefined ? codedParameters[key] : undefined);
  return {
    name: p.name ?? '',
    type: p.type,
    ...(p.internalType !== undefined && p.internalType !== p.type && { internalType: p.internalType }),
    ...(event && { indexed: p.indexed === true }),
    ...(enumName && { enum: enumName }),
    ...(item !== undefined && bitmaskParameters.has(key) && { bitmask: 'flagReasons' as const }),
    ...(p.components && { components: p.components.map((c) => parameterReference(c, false)) }),
  };
}

const byName = <T extends { name: string; signature: string }>(a: T, b: T) =>
  a.name.localeCompare(b.name) || a.signature.localeCompare(b.signature);

export function buildAbiReference(): AbiReference {
  const contracts = contractAbis().map(({ name, abi }) => {
    const events: EventReference[] = abi
      .filter((item) => item.type === 'event')
      .map((item) => {
        // biome-ignore lint/suspicious/noExplicitAny: a JSON ABI item, typed by viem's own checks
        const signature = formatAbiItem(item as any);
        return {
          name: item.name!,
          signature,
          // biome-ignore lint/suspicious/noExplicitAny: as above
          topic0: toEventSelector(item as any),
          inputs: (item.inputs ?? []).map((p) => parameterReference(p, true, item.name)),
        };
      })
      .sort(byName);
    const errors: ErrorReference[] = abi
      .filter((item) => item.type === 'error')
      .map((item) => {
        // biome-ignore lint/suspicious/noExplicitAny: a JSON ABI item, typed by viem's own checks
        const signature = formatAbiItem(item as any);
        return {
          name: item.name!,
          signature,
          selector: toFunctionSelector(signature),
          inputs: (item.inputs ?? []).map((p) => parameterReference(p, false, item.name)),
        };
      })
      .sort(byName);
    return { name, events, errors };
  });
  const enums = [
    ...(Object.keys(solidityEnums) as SolidityEnumName[]).sort().map((name) => ({
      name,
      source: solidityEnums[name].source,
      members: solidityEnums[name].members.map((member, value) => ({ value, name: member })),
    })),
    ...codeTables,
  ];
  return { contracts, enums, flagReasons: [...flagReasonBits.map((f) => ({ ...f })), firmwareUnapprovedBit] };
}

function formatType(p: AbiParameterReference): string {
  if (!p.components) return p.type;
  const inner = p.components.map((c) => `${formatType(c)} ${c.name}`.trim()).join(', ');
  return `(${inner})${p.type.slice('tuple'.length)}`;
}

function formatParameter(p: AbiParameterReference): string {
  const notes = [
    p.enum && `enum \`${p.enum}\``,
    p.bitmask && 'bitmask, see "Flag reasons"',
    p.internalType?.startsWith('struct ') && `\`${p.internalType}\``,
  ].filter(Boolean);
  return `\`${formatType(p)}${p.indexed ? ' indexed' : ''}${p.name ? ` ${p.name}` : ''}\`${notes.length ? ` (${notes.join(', ')})` : ''}`;
}

const cell = (text: string) => text.replace(/\|/g, '\\|');

/** docs/abi.md: the reference as Markdown. */
export function abiReferenceMarkdown(reference: AbiReference = buildAbiReference()): string {
  const lines: string[] = [
    '# Contract events and errors (ABI reference)',
    '',
    '<!-- Generated by `npm run docs:abi` from src/contracts/abis.ts (src/protocol/abiReference.ts) — do not edit by hand. -->',
    '',
    'Every event and custom error of every contract `pythia up` deploys, as compiled. A running gateway',
    'serves the same reference as JSON at `GET /v1/abi` (docs/api.md). Parameters are written',
    '`type [indexed] name`: an `indexed` event parameter is a topic (topics 1–3, in order; a `bytes`,',
    '`string`, array or tuple topic holds the keccak256 of its value), the others are ABI-encoded in',
    'the log data. `topic0` is the event selector, `selector` the first four bytes of a revert.',
    'A parameter marked (enum `X`) is a `uint8` carrying the member number of that enum (the',
    'numbers are in "Enums" below, with two code tables that the contracts declare as plain `uint8`);',
    '`reasons` of `ReadingFlagged` and `DeviceFlagged` is a bitmask ("Flag reasons").',
    'Contracts that inherit OpenZeppelin (`AccessControl`, `ERC721`, `TimelockController`) carry its',
    'events and errors too; they are listed with the rest.',
    '',
    '## Enums',
    '',
    '| enum | source | members (value = name) |',
    '|---|---|---|',
    ...reference.enums.map((e) => `| \`${e.name}\` | ${e.source} | ${e.members.map((m) => `${m.value} = \`${m.name}\``).join(', ')} |`),
    '',
    '## Flag reasons',
    '',
    '`ReadingFlagged.reasons` and `DeviceFlagged.reasons` are `uint8` bitmasks; a reading may break several rules at once.',
    '',
    '| bit | name | meaning |',
    '|---|---|---|',
    ...reference.flagReasons.map((f) => `| ${f.bit} | \`${f.name}\` | ${cell(f.description)} |`),
    '',
  ];
  for (const contract of reference.contracts) {
    lines.push(`## ${contract.name}`, '');
    lines.push('### Events', '');
    if (contract.events.length === 0) lines.push('None.', '');
    else {
      lines.push('| event | parameters | topic0 |', '|---|---|---|');
      for (const e of contract.events) {
        lines.push(`| \`${e.name}\` | ${cell(e.inputs.map(formatParameter).join(', ')) || '—'} | \`${e.topic0}\` |`);
      }
      lines.push('');
    }
    lines.push('### Errors', '');
    if (contract.errors.length === 0) lines.push('None.', '');
    else {
      lines.push('| error | parameters | selector |', '|---|---|---|');
      for (const e of contract.errors) {
        lines.push(`| \`${e.name}\` | ${cell(e.inputs.map(formatParameter).join(', ')) || '—'} | \`${e.selector}\` |`);
      }
      lines.push('');
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}
