import type { Address, PublicClient } from 'viem';
import type { DeviceDirectory } from './deviceDirectory.js';
import type { ReadingIntake } from './readingIntake.js';
import type { ReadingQueue } from './readingQueue.js';
import type { Relayer } from './relayer.js';

/** What the route plugins share; each plugin receives it as its options. */
export type GatewayServices = {
  chainId: number;
  fleetAddress: Address;
  publicClient: PublicClient;
  queue: ReadingQueue;
  directory: DeviceDirectory;
  intake: ReadingIntake;
  relayer: Relayer;
};
