import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { rejectionReasons, statusOfReason, type RejectionReason } from '../../protocol/reasons.js';
import { ChainUnavailableError } from './deviceDirectory.js';

/** Every error the gateway answers has this body; `error` is a reason from src/protocol/reasons.ts. */
export const errorResponseJsonSchema = {
  $id: 'Error',
  type: 'object',
  description: 'A refusal. Nothing of the request was stored.',
  required: ['error', 'message'],
  properties: {
    error: { type: 'string', enum: Object.keys(rejectionReasons), description: 'Reason of the (first) failure.' },
    message: { type: 'string' },
    errors: {
      type: 'array',
      description: 'For POST /v1/readings: every reading that failed, by its index in the request.',
      items: {
        type: 'object',
        required: ['index', 'reason', 'message'],
        properties: {
          index: { type: 'integer', minimum: 0 },
          reason: { type: 'string', enum: Object.keys(rejectionReasons) },
          message: { type: 'string' },
        },
      },
    },
  },
} as const;

export const errorResponses = { '4xx': { $ref: 'Error#' }, '5xx': { $ref: 'Error#' } } as const;

/** Answers a refusal; `status` overrides the reason's own (unknown_device is 404 on a lookup, 403 on a submission). */
export function sendError(
  reply: FastifyReply,
  reason: RejectionReason,
  message: string,
  extra: object = {},
  status = statusOfReason(reason),
) {
  return reply.code(status).send({ error: reason, message, ...extra });
}

/** The reason for an error fastify raised before a handler ran (routing, content type, body parsing, schemas). */
export function reasonOfFastifyError(error: FastifyError): RejectionReason {
  if (error instanceof ChainUnavailableError) return 'chain_unavailable';
  if (error.validation) return error.validationContext === 'body' ? 'invalid_body' : 'invalid_request';
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_TYPE':
      return 'unsupported_media_type';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'body_too_large';
    default:
      break;
  }
  const status = error.statusCode ?? 500;
  if (status === 413) return 'body_too_large';
  if (status === 415) return 'unsupported_media_type';
  if (status === 404) return 'not_found';
  if (status >= 400 && status < 500) return 'invalid_body';
  return 'internal_error';
}

/** JSON errors with a reason for everything, never a 5xx for bad input. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const reason = reasonOfFastifyError(error);
    if (reason === 'internal_error') request.log.error({ err: error }, 'unexpected error');
    else if (reason === 'chain_unavailable') request.log.warn({ err: error.message }, 'chain unavailable');
    const message = reason === 'internal_error' ? 'unexpected gateway error; nothing was stored' : error.message;
    return sendError(reply, reason, message);
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, 'not_found', `no route ${request.method} ${request.url}`));
}
