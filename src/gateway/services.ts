import type { Address, PublicClient } from 'viem';
import type { AnswerContracts } from '../answers/questions/types.js';
import type { CommandStore } from './commandStore.js';
import type { DeviceDirectory } from './deviceDirectory.js';
import type { QuestionAnswerer } from './questionAnswerer.js';
import type { ReadingIntake } from './readingIntake.js';
import type { ReadingQueue } from './readingQueue.js';
import type { Relayer } from './relayer.js';

/** What the route plugins share; each plugin receives it as its options. */
export type GatewayServices = {
  chainId: number;
  fleetAddress: Address;
  /** Contracts beside the fleet: questions read them, device actions go to them. */
  contracts: AnswerContracts;
  publicClient: PublicClient;
  queue: ReadingQueue;
  directory: DeviceDirectory;
  intake: ReadingIntake;
  relayer: Relayer;
  /** Answers device questions (HTTP and MQTT share it); absent when the gateway has no answer key. */
  answerer?: QuestionAnswerer;
  /** The commands relayed to devices (durable replay guard by recipient and nonce). */
  commands: CommandStore;
  /**
   * How commands reach devices: set by the MQTT channel (startMqttChannel) while it runs; without
   * it POST /v1/devices/{id}/commands answers 503 device_channel_unavailable.
   */
  deviceCommands?: DeviceCommandChannel;
};

/** Publishes a message on a device's commands topic (QoS 1); resolves once the broker took it. */
export type DeviceCommandChannel = { publish(device: Address, payload: Buffer): Promise<void> };
