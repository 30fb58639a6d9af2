import { getAddress, type Address, type Hex } from 'viem';

/** Clique's checkpoint interval: votes reset and the signer list is restated every EPOCH blocks. */
export const CLIQUE_EPOCH = 30_000;

export type CliqueGenesisParameters = {
  chainId: number;
  /** Seconds between blocks. */
  period: number;
  gasLimit: bigint;
  /** The initial signers (validators); order does not matter. */
  signers: readonly Address[];
  /** Accounts funded at genesis, in wei. */
  alloc?: Readonly<Record<Address, bigint>>;
  /** Unix seconds of the genesis block. */
  timestamp: number;
  /** Blocks between checkpoints (default CLIQUE_EPOCH); smaller only in tests that need checkpoints soon. */
  epoch?: number;
};

export type CliqueGenesis = {
  config: Record<string, unknown> & { chainId: number; clique: { period: number; epoch: number } };
  nonce: Hex;
  timestamp: Hex;
  extraData: Hex;
  gasLimit: Hex;
  difficulty: Hex;
  mixHash: Hex;
  coinbase: Address;
  alloc: Record<string, { balance: Hex }>;
};

/** Clique's genesis extra-data: 32 vanity bytes, the signers in ascending order, 65 zero seal bytes. */
export function cliqueExtraData(signers: readonly Address[]): Hex {
  if (signers.length === 0) throw new RangeError('a Clique network needs at least one signer');
  const sorted = [...new Set(signers.map((s) => getAddress(s).toLowerCase()))].sort();
  if (sorted.length !== signers.length) throw new RangeError('the signers must be distinct');
  return `0x${'00'.repeat(32)}${sorted.map((s) => s.slice(2)).join('')}${'00'.repeat(65)}`;
}

/**
 * The signers a Clique genesis extra-data lists (cliqueExtraData's inverse), or undefined when the
 * extra-data is not Clique's (a chain that is not Clique, e.g. Anvil's empty extra-data).
 */
export function cliqueSignersOfExtraData(extraData: Hex): Address[] | undefined {
  const bytes = (extraData.length - 2) / 2;
  const listed = bytes - 32 - 65;
  if (!/^0x([0-9a-fA-F]{2})*$/.test(extraData) || listed <= 0 || listed % 20 !== 0) return undefined;
  return Array.from({ length: listed / 20 }, (_, i) => getAddress(`0x${extraData.slice(2 + 64 + 40 * i, 2 + 64 + 40 * (i + 1))}`));
}

/**
 * The genesis of a Pythia Clique network. Every fork up to London is active from block 0 and
 * nothing later: geth 1.13.15's Clique refuses blocks of a Shanghai chain ("clique does not support
 * shanghai fork", when a node imports a peer's block) and its sealer panics under Cancun, so the
 * contracts are compiled for Paris (London's opcodes) and the chain stays at London.
 */
export function cliqueGenesis(parameters: CliqueGenesisParameters): CliqueGenesis {
  const { chainId, period, gasLimit, signers, alloc = {}, timestamp, epoch = CLIQUE_EPOCH } = parameters;
  const hex = (n: bigint | number): Hex => `0x${n.toString(16)}`;
  return {
    config: {
      chainId,
      homesteadBlock: 0,
      eip150Block: 0,
      eip155Block: 0,
      eip158Block: 0,
      byzantiumBlock: 0,
      constantinopleBlock: 0,
      petersburgBlock: 0,
      istanbulBlock: 0,
      berlinBlock: 0,
      londonBlock: 0,
      clique: { period, epoch },
    },
    nonce: '0x0',
    timestamp: hex(timestamp),
    extraData: cliqueExtraData(signers),
    gasLimit: hex(gasLimit),
    difficulty: '0x1',
    mixHash: `0x${'00'.repeat(32)}`,
    coinbase: '0x0000000000000000000000000000000000000000',
    alloc: Object.fromEntries(
      Object.entries(alloc).map(([address, wei]) => [getAddress(address).slice(2).toLowerCase(), { balance: hex(wei) }]),
    ),
  };
}
