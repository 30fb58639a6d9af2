import { decodeEventLog, getAbiItem, toEventSelector, type Address, type Hex } from 'viem';
import { flagReasonNames, skipReasonName } from '../../protocol/reasons.js';
import { gatewayFleetAbi } from '../../contracts/gatewayFleetAbi.js';
import type { ReadingOutcome } from './readingQueue.js';

type Log = { address: Address; data: Hex; topics: [Hex, ...Hex[]] | [] };

/** Most receipt logs are ReadingAccepted: decoding it by hand (device in topic 1, sequence in data) spares the generic ABI decoder. */
const READING_ACCEPTED = toEventSelector(getAbiItem({ abi: gatewayFleetAbi, name: 'ReadingAccepted' }));

/**
 * The outcome of every reading in a mined submitReadings transaction, from its receipt logs:
 * ReadingAccepted → accepted; ReadingFlagged → flagged, with the reason bits as names and the
 * first offending metric; ReadingSkipped → rejected, with the skip reason.
 */
export function readingOutcomesOfLogs(logs: readonly Log[], fleetAddress: Address): ReadingOutcome[] {
  const fleet = fleetAddress.toLowerCase();
  const outcomes: ReadingOutcome[] = [];
  for (const log of logs) {
    if (log.address.toLowerCase() !== fleet) continue;
    if (log.topics[0] === READING_ACCEPTED && log.topics.length === 2 && log.data.length === 66) {
      outcomes.push({ device: `0x${log.topics[1]!.slice(26).toLowerCase()}`, sequence: BigInt(log.data), status: 'accepted', reasons: [] });
      continue;
    }
    let event;
    try {
      event = decodeEventLog({ abi: gatewayFleetAbi, data: log.data, topics: log.topics });
    } catch {
      continue;
    }
    switch (event.eventName) {
      case 'ReadingAccepted':
        outcomes.push({ device: lower(event.args.device), sequence: event.args.sequence, status: 'accepted', reasons: [] });
        break;
      case 'ReadingFlagged': {
        const reasons = flagReasonNames(event.args.reasons);
        const metricCheckFailed = reasons.includes('OutOfRange') || reasons.includes('ExcessiveChange');
        outcomes.push({
          device: lower(event.args.device),
          sequence: event.args.sequence,
          status: 'flagged',
          reasons,
          ...(metricCheckFailed && { metric: event.args.metric, value: event.args.value }),
        });
        break;
      }
      case 'ReadingSkipped':
        outcomes.push({
          device: lower(event.args.device),
          sequence: event.args.sequence,
          status: 'rejected',
          reasons: [skipReasonName(event.args.reason)],
        });
        break;
      default:
        break;
    }
  }
  return outcomes;
}

const lower = (address: Address) => address.toLowerCase() as Address;
