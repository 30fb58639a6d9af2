import {
  isAddressEqual,
  parseEventLogs,
  type Abi,
  type Address,
  type ContractEventName,
  type Log,
  type ParseEventLogsReturnType,
} from 'viem';

export type ContractEventParameters<abi extends Abi, eventName extends ContractEventName<abi>> = {
  abi: abi;
  /** Only logs this contract emitted count: another contract may emit an event of the same signature. */
  address: Address;
  eventName: eventName;
  logs: Log[];
};

/**
 * The arguments of the first `eventName` that the contract at `address` emitted in a receipt's
 * logs (typed from the ABI), or undefined: how an action returns the id its transaction made.
 */
export function contractEvent<const abi extends Abi, eventName extends ContractEventName<abi>>(
  parameters: ContractEventParameters<abi, eventName>,
): ParseEventLogsReturnType<abi, eventName, true>[number]['args'] | undefined {
  const { abi, address, eventName, logs } = parameters;
  const events: ParseEventLogsReturnType<abi, eventName, true> = parseEventLogs({
    abi,
    eventName,
    logs: logs.filter((log) => isAddressEqual(log.address, address)),
  });
  return events[0]?.args;
}
