import type { Hex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

/** enode://<uncompressed public key, without 04>@host:port of a node key: how peers name and dial a node. */
export function enodeOf(nodeKey: Hex, host: string, port: number): string {
  return `enode://${privateKeyToAccount(nodeKey).publicKey.slice(4)}@${host}:${port}`;
}
