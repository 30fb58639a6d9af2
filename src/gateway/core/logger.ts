import type { FastifyBaseLogger } from 'fastify';

/** The slice of fastify's (pino) logger the gateway's services write to. */
export type GatewayLogger = Pick<FastifyBaseLogger, 'debug' | 'info' | 'warn' | 'error'>;
