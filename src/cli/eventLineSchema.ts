import { flagReasonBits } from '../protocol/reasons.js';
import { REMEMBERED_BLOCKS } from '../stack/events/chainEvents.js';
import { gatewayEventNames } from '../stack/events/operatorEvent.js';

/**
 * One event line of `pythia watch --json` and `pythia up --log-format json` (pino's line format),
 * as a JSON schema: docs/cli.md shows it, and the end-to-end tests check the lines against it.
 */
const address = { type: 'string', pattern: '^0x[0-9a-fA-F]{40}$' } as const;
const bytes32 = { type: 'string', pattern: '^0x[0-9a-f]{64}$' } as const;
const integer = { type: 'integer' } as const;
const text = { type: 'string' } as const;

function line(event: Record<string, unknown>, required: Record<string, unknown>, optional: Record<string, unknown> = {}) {
  const common = {
    level: { type: 'integer', enum: [30, 40, 50], description: "pino's level: 30 info (hidden by --quiet), 40 warn, 50 error" },
    time: { type: 'integer', description: 'when it happened, ms since the epoch (a chain event: its block time)' },
    event,
    msg: { type: 'string', description: 'the human line, without time and level' },
  };
  return {
    type: 'object',
    additionalProperties: false,
    required: [...Object.keys(common), ...Object.keys(required)],
    properties: { ...common, ...required, ...optional },
  };
}

const onChain = { block: integer, txHash: bytes32 };

export const eventLineJsonSchema = {
  oneOf: [
    line(
      { const: 'device_flagged' },
      {
        device: address,
        reasons: { type: 'array', items: { type: 'string', enum: [...flagReasonBits.map((f) => f.name), 'FirmwareUnapproved'] } },
        ...onChain,
      },
      {
        sequence: {
          type: 'string',
          pattern: '^(0|[1-9][0-9]*)$',
          description: "the reading's sequence (absent: a flag raised outside the reading path)",
        },
        metric: integer,
        value: integer,
        limit: {
          description:
            'the limit the metric broke, from the profile at the block: [min, max] (OutOfRange) or the largest change (ExcessiveChange)',
          oneOf: [
            { type: 'object', additionalProperties: false, required: ['min', 'max'], properties: { min: integer, max: integer } },
            { type: 'object', additionalProperties: false, required: ['maxDelta'], properties: { maxDelta: integer } },
          ],
        },
      },
    ),
    line(
      { type: 'string', enum: ['device_suspended', 'device_reinstated', 'device_revoked', 'device_key_revoked'] },
      { device: address, by: address, reason: text, ...onChain },
    ),
    line(
      { const: 'chain_went_back' },
      {
        fromBlock: { type: 'integer', minimum: 0, description: 'the newest block told before' },
        toBlock: {
          type: 'integer',
          minimum: -1,
          description:
            'the newest told block still canonical (-1: watched from block 0, all undone): the events of the blocks after it are told again as they become final',
        },
        undoneEvents: { type: 'integer', minimum: 0, description: 'how many events had been told for the blocks after toBlock' },
      },
      {
        deeperThanRemembered: {
          type: 'boolean',
          const: true,
          description: `every told block remembered (the last ${REMEMBERED_BLOCKS.toLocaleString('en')}) was undone: the chain may have gone back below toBlock too`,
        },
      },
    ),
    line(
      { const: 'refused' },
      {
        reason: { type: 'string', description: 'a refusal reason (docs/api.md), or login_refused (MQTT)' },
        count: { type: 'integer', minimum: 1 },
        seconds: {
          type: 'number',
          minimum: 0,
          description: 'the interval counted; 0: the first refusal after a quiet interval, told at once',
        },
        channels: { type: 'array', items: { type: 'string', enum: ['http', 'mqtt'] } },
      },
      {
        security: { type: 'string', description: 'the security event kind (docs/security.md, "Security log")' },
        devices: { type: 'array', items: text, maxItems: 3 },
      },
    ),
    line(
      { type: 'string', enum: [...gatewayEventNames] },
      { message: text },
      { txHash: bytes32, details: { type: 'object', description: "the gateway log line's other fields" } },
    ),
  ],
} as const;
