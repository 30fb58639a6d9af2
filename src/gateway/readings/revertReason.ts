import { BaseError, decodeErrorResult, ExecutionRevertedError, type Abi, type Hex } from 'viem';
import { deviceIdentityAbi, deviceOwnershipAbi, firmwareRegistryAbi, pythiaFleetAbi } from '../../contracts/abis.js';

/** Every custom error of the contracts a gateway sends device actions to. */
const knownErrors = [...pythiaFleetAbi, ...deviceOwnershipAbi, ...deviceIdentityAbi, ...firmwareRegistryAbi].filter(
  (item) => item.type === 'error',
) as Abi;

/**
 * Why the chain refused a call, as `ErrorName(args)`, if `error` is a refusal (an execution
 * revert); undefined for anything else (the node could not be reached, ...), which is worth a retry.
 */
export function revertReasonOf(error: unknown): string | undefined {
  if (!(error instanceof BaseError)) return undefined;
  const reverted = error.walk((e) => e instanceof ExecutionRevertedError || (e as { data?: unknown }).data !== undefined);
  if (!reverted && !/execution reverted|revert/i.test(error.message)) return undefined;
  const data = findRevertData(error);
  if (!data || data === '0x') return 'execution reverted';
  try {
    const decoded = decodeErrorResult({ abi: knownErrors, data });
    const args = (decoded.args ?? []).map((a) => (typeof a === 'bigint' ? a.toString() : String(a)));
    return `${decoded.errorName}(${args.join(', ')})`;
  } catch {
    return `execution reverted (${data.slice(0, 10)})`;
  }
}

function findRevertData(error: BaseError): Hex | undefined {
  let found: Hex | undefined;
  error.walk((e) => {
    const data = (e as { data?: unknown }).data;
    if (typeof data === 'string' && /^0x[0-9a-fA-F]*$/.test(data)) found = data as Hex;
    return false;
  });
  return found;
}
