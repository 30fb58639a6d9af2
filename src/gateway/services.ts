import type { Address, PublicClient } from 'viem';
import type { AnswerContracts } from '../answers/questions/types.js';
import type { AccessLedger } from './accessLedger.js';
import type { AccessLogBatcher } from './accessLogBatcher.js';
import type { CanaryIssuer } from './canaryIssuer.js';
import type { ConsentPolicyGuard } from './consentPolicyGuard.js';
import type { CommandStore } from './commandStore.js';
import type { DeviceDirectory } from './deviceDirectory.js';
import type { PolicyStore } from './policyStore.js';
import type { QuestionAnswerer } from './questionAnswerer.js';
import type { ReadingIntake } from './readingIntake.js';
import type { ReadingQueue } from './readingQueue.js';
import type { Relayer } from './relayer.js';
import type { RpcFailover } from './rpcFailover.js';

/** What the route plugins share; each plugin receives it as its options. */
export type GatewayServices = {
  chainId: number;
  fleetAddress: Address;
  /** Contracts beside the fleet: questions read them, device actions go to them. */
  contracts: AnswerContracts;
  publicClient: PublicClient;
  /** The RPC endpoints behind publicClient and the one in use. */
  rpc?: RpcFailover;
  queue: ReadingQueue;
  directory: DeviceDirectory;
  intake: ReadingIntake;
  relayer: Relayer;
  /** Answers device questions (HTTP and MQTT share it); absent when the gateway has no answer key. */
  answerer?: QuestionAnswerer;
  /** Access under consent (nonces, deliveries, commands, canaries); present with a consent registry and an access log. */
  accessLedger?: AccessLedger;
  accessLogBatcher?: AccessLogBatcher;
  /** Policy documents this gateway holds, and the evaluation of a consent's policy; present with a policy registry. */
  policyStore?: PolicyStore;
  policyGuard?: ConsentPolicyGuard;
  /** Gives each recipient its own canary values (trap streets); present with a canary registry and a canary secret. */
  canaries?: CanaryIssuer;
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
