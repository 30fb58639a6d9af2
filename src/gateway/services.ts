import type { Address, PublicClient } from 'viem';
import type { RefusalItem } from '../protocol/refusal.js';
import type { RejectionReason } from '../protocol/reasons.js';
import type { AnswerContracts } from '../answers/questions/types.js';
import type { AccessLedger } from './consentedData/accessLedger.js';
import type { AccessLogBatcher } from './consentedData/accessLogBatcher.js';
import type { CanaryIssuer } from './canaries/canaryIssuer.js';
import type { ConsentPolicyGuard } from './policies/consentPolicyGuard.js';
import type { CommandStore } from './commands/commandStore.js';
import type { DeviceDirectory } from './core/deviceDirectory.js';
import type { PolicyStore } from './policies/policyStore.js';
import type { QuestionAnswerer } from './questions/questionAnswerer.js';
import type { ReadingIntake } from './readings/readingIntake.js';
import type { ReadingQueue } from './readings/readingQueue.js';
import type { Relayer } from './readings/relayer.js';
import type { RpcFailover } from './readings/rpcFailover.js';

/**
 * Every service of a gateway (app.pythia): what buildGateway made from its options. Each feature
 * plugin takes only the services it uses; the MQTT channel and tests take this object.
 */
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
  /** Told of every refusal the gateway answers, on either channel (GatewayOptions.onRefusal). */
  onRefusal?: (refusal: GatewayRefusal) => void;
};

/** One refusal answered: readings refused for one reason, or a whole request. */
export type GatewayRefusal = { reason: RejectionReason | RefusalItem['reason']; channel: 'http' | 'mqtt'; count: number; device?: Address };

/**
 * Tells onRefusal of one refused request: one notice per reason among its refused readings
 * (`errors`), or one for the request when it failed as a whole.
 */
export function reportRefusal(
  onRefusal: ((refusal: GatewayRefusal) => void) | undefined,
  refusal: { reason: RejectionReason; channel: 'http' | 'mqtt'; errors?: readonly Pick<RefusalItem, 'reason'>[]; device?: Address },
): void {
  if (!onRefusal) return;
  const counts = new Map<GatewayRefusal['reason'], number>();
  for (const item of refusal.errors ?? []) counts.set(item.reason, (counts.get(item.reason) ?? 0) + 1);
  if (counts.size === 0) counts.set(refusal.reason, 1);
  for (const [reason, count] of counts) {
    onRefusal({ reason, channel: refusal.channel, count, ...(refusal.device && { device: refusal.device }) });
  }
}

/** Publishes a message on a device's commands topic (QoS 1); resolves once the broker took it. */
export type DeviceCommandChannel = { publish(device: Address, payload: Buffer): Promise<void> };
