import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import { bytesToHex, type Address } from 'viem';
import { publicKeyToAddress } from 'viem/accounts';
import type { DeviceDirectory } from '../gateway/core/deviceDirectory.js';
import type { GatewayLogger } from '../gateway/core/logger.js';
import { checkConnectToken } from '../protocol/mqttConnectToken.js';
import { quoteInput } from '../protocol/quoteInput.js';
import { LruMap } from '../gateway/core/lruMap.js';
import { logSecurityEvent } from '../gateway/core/securityEvents.js';
import { guardPacketSize } from './packetSizeGuard.js';
import { gatewaySubscriptions, isDeviceToGatewayKind, isGatewayToDeviceKind, parseDeviceTopic } from '../protocol/mqttTopics.js';

export type EmbeddedBrokerOptions = {
  /**
   * Where device keys and statuses come from (the gateway's directory); its changes (a key
   * rotated, a status changed on chain) drop the device's sessions.
   */
  directory: Pick<DeviceDirectory, 'get'> & Partial<Pick<DeviceDirectory, 'onChange'>>;
  /** Bound into device CONNECT tokens. */
  chainId: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 1883; 0 = any free port. */
  port?: number;
  /** Largest MQTT packet accepted, fixed header included. Default 17 KiB. */
  maxPacketBytes?: number;
  /** How far a CONNECT token's time may be from the broker clock (s). Default 300. */
  tokenWindowSeconds?: number;
  /** Serve MQTT over TLS (mqtts://) with this PEM certificate and key (docs/security.md, "Host"). */
  tls?: { cert: Buffer | string; key: Buffer | string };
  /** Messages kept for a device's persistent session while it is offline; later ones are dropped. Default 100. */
  maxOfflineMessages?: number;
  /** Device connections at once (all devices); beyond, CONNECT is refused (server unavailable). Default 10,000. */
  maxConnections?: number;
  logger?: GatewayLogger;
};

export type EmbeddedBroker = {
  /** mqtt://host:port, or mqtts:// with tls */
  url: string;
  /** The gateway's own credentials: a random secret made at start, never a default. */
  gatewayCredentials: { username: string; password: string };
  close: () => Promise<void>;
};

export const GATEWAY_USERNAME = 'pythia-gateway';

type Identity = { role: 'gateway' } | { role: 'device'; device: Address };

/** CONNECT tokens seen: a token logs in once (kept until it is out of the clock window anyway). */
const MAX_REMEMBERED_TOKENS = 100_000;

const authError = (code: number, message: string): AuthenticateError => Object.assign(new Error(message), { returnCode: code });
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;
const SERVER_UNAVAILABLE = 3;

/**
 * The embedded MQTT 3.1.1 broker (aedes) with Pythia's access control:
 * - CONNECT: username = device id, password = a fresh device-signed token (connectToken.ts),
 *   signed by the device's CURRENT registered key (after a rotation the old key is refused) of a
 *   device registered and not revoked on chain (a suspended device may log in to ask; its readings
 *   are refused and no command is relayed to it); each token logs in once. The client id must start with the
 *   device id (so no device can take over another's session); a persistent session (clean = false)
 *   only under the client id that is the device id, so a device holds at most one, and its offline
 *   queue is bounded. One connection per device: a new login closes the device's older one. A key
 *   rotation or a revocation on chain closes the device's connections. The gateway's own client
 *   presents a secret generated here.
 * - PUBLISH: a device only to its own readings and questions topics, never retained; the gateway
 *   only to devices' acks, answers and commands topics.
 * - SUBSCRIBE: a device only to its own acks, answers and commands; the gateway only to readings
 *   and questions. Anything else gets a failure SUBACK (0x80).
 * - Packets over maxPacketBytes close the connection before they are buffered.
 */
export async function startEmbeddedBroker(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
  const secret = randomBytes(32).toString('base64url');
  const gatewayCredentials = { username: GATEWAY_USERNAME, password: secret };
  const identities = new WeakMap<Client, Identity>();
  const logger = options.logger;
  const maxPacketBytes = options.maxPacketBytes ?? 17 * 1024;
  const windowSeconds = options.tokenWindowSeconds ?? 300;
  const maxConnections = options.maxConnections ?? 10_000;
  const maxOfflineMessages = options.maxOfflineMessages ?? 100;
  const usedTokens = new LruMap<string, number>(MAX_REMEMBERED_TOKENS);
  /** The connected clients of each device (at most one once a login completes). */
  const sessions = new Map<Address, Set<Client>>();
  const deviceConnections = () => {
    let n = 0;
    for (const set of sessions.values()) n += set.size;
    return n;
  };

  const broker = await Aedes.createBroker({
    authenticate(client, username, password, done) {
      const pass = password?.toString('utf8') ?? '';
      if (username === GATEWAY_USERNAME) {
        const a = Buffer.from(pass);
        const b = Buffer.from(secret);
        if (a.length === b.length && timingSafeEqual(a, b)) {
          identities.set(client, { role: 'gateway' });
          return done(null, true);
        }
        return done(authError(BAD_USERNAME_OR_PASSWORD, 'bad gateway credentials'), false);
      }
      const device = (username ?? '').toLowerCase() as Address;
      const refuse = (code: number, why: string) => {
        if (logger) logSecurityEvent(logger, 'login_refused', { channel: 'mqtt', device, client: quoteInput(client.id, 64), why });
        done(authError(code, why), false);
      };
      if (!/^0x[0-9a-f]{40}$/.test(device)) return refuse(BAD_USERNAME_OR_PASSWORD, 'username must be a device id');
      if (!client.id.toLowerCase().startsWith(device)) {
        return refuse(2, `client id must start with the device id ${device}`); // 2: identifier rejected
      }
      if (!client.clean && client.id.toLowerCase() !== device) {
        return refuse(2, 'a persistent session (clean = false) only under the client id that is the device id');
      }
      if (deviceConnections() >= maxConnections) return refuse(SERVER_UNAVAILABLE, 'the broker holds its maximum of device connections');
      // Format and clock first: no chain read for a token that cannot be good.
      const shape = checkConnectToken({
        device,
        password: pass,
        chainId: options.chainId,
        clientId: client.id,
        windowSeconds,
        skipSigner: true,
      });
      if (!shape.ok) return refuse(BAD_USERNAME_OR_PASSWORD, shape.why);
      options.directory.get(device).then(
        (state) => {
          if (state.status === 'none') return refuse(NOT_AUTHORIZED, `device ${device} is not registered`);
          // A revoked device is banned for good. A suspended one may still log in to ask (and learn
          // that it is suspended): its readings are refused and no command goes to it.
          if (state.status === 'revoked') return refuse(NOT_AUTHORIZED, `device ${device} is revoked`);
          const token = checkConnectToken({
            device,
            signer: publicKeyToAddress(bytesToHex(state.publicKey65)),
            password: pass,
            chainId: options.chainId,
            clientId: client.id,
            windowSeconds,
          });
          if (!token.ok) return refuse(BAD_USERNAME_OR_PASSWORD, token.why);
          const now = Math.floor(Date.now() / 1000);
          const seen = usedTokens.peek(pass);
          if (seen !== undefined && seen >= now) return refuse(BAD_USERNAME_OR_PASSWORD, 'this token was used before: sign a fresh one');
          usedTokens.set(pass, token.time + windowSeconds);
          identities.set(client, { role: 'device', device });
          done(null, true);
        },
        (error: unknown) => refuse(SERVER_UNAVAILABLE, `cannot check the device: ${String(error)}`),
      );
    },
    authorizePublish(client, packet, callback) {
      if (!client) return callback(null); // the broker's own messages ($SYS)
      const who = identities.get(client);
      const topic = parseDeviceTopic(packet.topic);
      if (who?.role === 'gateway') {
        if (topic && isGatewayToDeviceKind(topic.kind)) return callback(null);
      } else if (who?.role === 'device') {
        if (topic && topic.device === who.device && isDeviceToGatewayKind(topic.kind) && !packet.retain) {
          return callback(null);
        }
      }
      logger?.warn({ client: client.id, topic: packet.topic }, 'mqtt: PUBLISH refused');
      callback(new Error(`not authorised to publish to ${packet.topic}`));
    },
    authorizeSubscribe(client, subscription, callback) {
      const who = identities.get(client);
      const topic = parseDeviceTopic(subscription.topic);
      const allowed =
        who?.role === 'gateway'
          ? gatewaySubscriptions.includes(subscription.topic)
          : who?.role === 'device' && topic !== undefined && topic.device === who.device && isGatewayToDeviceKind(topic.kind);
      if (allowed) return callback(null, subscription);
      logger?.warn({ client: client.id, topic: subscription.topic }, 'mqtt: SUBSCRIBE refused');
      callback(null, null); // failure SUBACK (0x80) for this filter
    },
  });

  broker.on('client', (client) => {
    const who = identities.get(client);
    if (who?.role !== 'device') return;
    const mine = sessions.get(who.device) ?? new Set<Client>();
    // One connection per device: the newest login wins (it holds a fresh token of the current key).
    for (const older of mine) {
      if (older !== client) {
        logger?.info({ device: who.device, client: older.id }, 'mqtt: older connection of the device closed by a new login');
        older.close();
        mine.delete(older);
      }
    }
    mine.add(client);
    sessions.set(who.device, mine);
  });
  broker.on('clientDisconnect', (client) => {
    const who = identities.get(client);
    if (who?.role !== 'device') return;
    const mine = sessions.get(who.device);
    mine?.delete(client);
    if (mine?.size === 0) sessions.delete(who.device);
  });
  const stopWatching = options.directory.onChange?.((change) => {
    if (change.kind === 'status' && change.status !== 'revoked' && change.status !== 'none') return;
    const mine = sessions.get(change.device);
    if (!mine) return;
    logger?.warn(
      { device: change.device, why: change.kind === 'key_rotated' ? 'key rotated' : change.status },
      'mqtt: sessions of the device closed',
    );
    for (const client of mine) client.close();
    sessions.delete(change.device);
  });
  boundOfflineQueues(broker, maxOfflineMessages, logger);

  const onConnection = (socket: Socket) => {
    socket.on('error', () => {});
    const guarded = guardPacketSize(socket, maxPacketBytes, (announced) =>
      logger?.warn({ remote: socket.remoteAddress, announced, maxPacketBytes }, 'mqtt: packet over the size limit; connection closed'),
    );
    broker.handle(guarded);
  };
  const server: Server = options.tls
    ? createTlsServer({ cert: options.tls.cert, key: options.tls.key }, onConnection)
    : createServer(onConnection);
  broker.on('clientError', (client, error) => logger?.debug({ client: client.id, err: error.message }, 'mqtt: client error'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 1883, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = options.host ?? '127.0.0.1';
  const url = `${options.tls ? 'mqtts' : 'mqtt'}://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      stopWatching?.();
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    })());
  return { url, gatewayCredentials, close };
}

type OfflineSubscription = { clientId: string };

/**
 * Bounds each client's offline queue (QoS 1 messages kept for a persistent session while it is
 * away): beyond `max` queued since it last connected, new messages for it are dropped and logged.
 * Commands are signed and expire: a device that was away long asks again.
 */
function boundOfflineQueues(broker: Aedes, max: number, logger: GatewayLogger | undefined): void {
  const persistence = (broker as unknown as { persistence: unknown }).persistence as {
    outgoingEnqueueCombi: (subs: OfflineSubscription[], packet: unknown) => Promise<void>;
  };
  const enqueue = persistence.outgoingEnqueueCombi.bind(persistence);
  const queued = new LruMap<string, number>(100_000);
  broker.on('client', (client) => queued.delete(client.id));
  persistence.outgoingEnqueueCombi = (subs, packet) => {
    const kept = subs.filter((sub) => {
      const n = queued.peek(sub.clientId) ?? 0;
      if (n >= max) {
        logger?.warn({ client: sub.clientId, max }, 'mqtt: offline queue full; message dropped');
        return false;
      }
      queued.set(sub.clientId, n + 1);
      return true;
    });
    return enqueue(kept, packet);
  };
}
