import {
  isAddressEqual,
  parseEventLogs,
  type Abi,
  type Address,
  type ContractEventName,
  type Hex,
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

/**
 * contractEvent for an event the transaction must have emitted (the id an action returns): a
 * receipt without it means the contract at `address` is not the one the action was written for.
 */
export function requireContractEvent<const abi extends Abi, eventName extends ContractEventName<abi>>(
  parameters: ContractEventParameters<abi, eventName> & { transactionHash: Hex },
): ParseEventLogsReturnType<abi, eventName, true>[number]['args'] {
  const args = contractEvent(parameters);
  if (args === undefined) {
    throw new Error(`transaction ${parameters.transactionHash} emitted no ${parameters.eventName} from ${parameters.address}`);
  }
  return args;
}
