import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import type { Address } from 'viem';
import type { DeviceDirectory } from '../gateway/core/deviceDirectory.js';
import type { GatewayLogger } from '../gateway/core/logger.js';
import { checkConnectToken } from '../protocol/mqttConnectToken.js';
import { guardPacketSize } from './packetSizeGuard.js';
import { gatewaySubscriptions, parseDeviceTopic } from '../protocol/mqttTopics.js';

export type EmbeddedBrokerOptions = {
  /** Where device keys and statuses come from (the gateway's directory). */
  directory: Pick<DeviceDirectory, 'get'>;
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

const authError = (code: number, message: string): AuthenticateError => Object.assign(new Error(message), { returnCode: code });
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;
const SERVER_UNAVAILABLE = 3;

/**
 * The embedded MQTT 3.1.1 broker (aedes) with Pythia's access control:
 * - CONNECT: username = device id, password = a fresh device-signed token (connectToken.ts),
 *   checked against the device registered on chain; the client id must start with the device id
 *   (so no device can take over another's session). The gateway's own client presents a secret
 *   generated here.
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
      const device = (username ?? '').toLowerCase();
      if (!/^0x[0-9a-f]{40}$/.test(device)) return done(authError(BAD_USERNAME_OR_PASSWORD, 'username must be a device id'), false);
      if (!client.id.toLowerCase().startsWith(device)) {
        return done(authError(2, `client id must start with the device id ${device}`), false); // 2: identifier rejected
      }
      const token = checkConnectToken({
        device: device as Address,
        password: pass,
        chainId: options.chainId,
        clientId: client.id,
        ...(options.tokenWindowSeconds !== undefined && { windowSeconds: options.tokenWindowSeconds }),
      });
      if (!token.ok) {
        logger?.warn({ device, why: token.why }, 'mqtt: CONNECT refused');
        return done(authError(BAD_USERNAME_OR_PASSWORD, token.why), false);
      }
      options.directory.get(device as Address).then(
        (state) => {
          if (state.status === 'none') return done(authError(NOT_AUTHORIZED, `device ${device} is not registered`), false);
          identities.set(client, { role: 'device', device: device as Address });
          done(null, true);
        },
        (error: unknown) => done(authError(SERVER_UNAVAILABLE, `cannot check the device: ${String(error)}`), false),
      );
    },
    authorizePublish(client, packet, callback) {
      if (!client) return callback(null); // the broker's own messages ($SYS)
      const who = identities.get(client);
      const topic = parseDeviceTopic(packet.topic);
      if (who?.role === 'gateway') {
        if (topic && (topic.kind === 'acks' || topic.kind === 'answers' || topic.kind === 'commands')) return callback(null);
      } else if (who?.role === 'device') {
        if (topic && topic.device === who.device && (topic.kind === 'readings' || topic.kind === 'questions') && !packet.retain) {
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
          : who?.role === 'device' &&
            topic !== undefined &&
            topic.device === who.device &&
            (topic.kind === 'acks' || topic.kind === 'answers' || topic.kind === 'commands');
      if (allowed) return callback(null, subscription);
      logger?.warn({ client: client.id, topic: subscription.topic }, 'mqtt: SUBSCRIBE refused');
      callback(null, null); // failure SUBACK (0x80) for this filter
    },
  });

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
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    })());
  return { url, gatewayCredentials, close };
}
