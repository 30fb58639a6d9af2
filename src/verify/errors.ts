/**
 * The verifier could not do its work (the node is unreachable or not an archive node, the address is
 * not a fleet, the range is not on this chain): nothing was concluded, which is not a discrepancy.
 */
export class CannotVerifyError extends Error {}
