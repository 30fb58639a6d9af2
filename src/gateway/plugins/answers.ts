import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { bytesToHex, hexToBytes, type Address, type Hex } from 'viem';
import { answerQuestion } from '../../answers/answerQuestion.js';
import { AnswerError } from '../../answers/errors.js';
import { localCoseSigner, type CoseSigner } from '../../answers/signCoseSign1.js';
import { verifyCoseSignature } from '../../answers/verifyCoseSignature.js';
import { ChainUnavailableError, shortError } from '../deviceDirectory.js';
import { errorResponses, sendError } from '../httpErrors.js';
import {
  parseCborQuestionRequest,
  parseJsonQuestionRequest,
  QuestionRequestError,
  type ParsedQuestionRequest,
} from '../parseQuestionRequest.js';
import { QuestionReplayCache, type QuestionReplayCacheOptions } from '../questionReplayCache.js';
import type { GatewayServices } from '../services.js';

/** The Pythia's answer key: a local secp256k1 key, or a signer elsewhere (HSM, enclave) named by its address. */
export type AnswerSigner = { privateKey: Hex } | { address: Address; signDigest: (digest: Uint8Array) => Uint8Array | Promise<Uint8Array> };

export type AnswersPluginOptions = GatewayServices & {
  answerSigner: AnswerSigner;
  replayCache?: QuestionReplayCacheOptions;
  /** Unix seconds; default the system clock. */
  clock?: () => number;
};

export function coseSignerOf(signer: AnswerSigner): CoseSigner {
  return 'privateKey' in signer ? localCoseSigner(signer.privateKey) : { kid: hexToBytes(signer.address), signDigest: signer.signDigest };
}

const questionJsonSchema = {
  type: 'object',
  description:
    'A device-signed question (docs/protocol.md, "Signed answers"). `signature` is the ES256K COSE signature (64 bytes r ‖ s) over the Sig_structure of the request payload the gateway rebuilds from these fields.',
  required: ['device', 'question', 'params', 'sequence', 'signature'],
  properties: {
    device: { type: 'string', description: 'The asking device id.' },
    question: { anyOf: [{ type: 'integer' }, { type: 'string' }], description: 'Question id or name, e.g. 1 or "device_status".' },
    params: { type: 'object', description: 'device_status: { device: "0x…" } (the subject).' },
    challenge: { type: 'string', description: '0x + 8 to 32 random bytes, fresh per question.' },
    sequence: { anyOf: [{ type: 'integer' }, { type: 'string' }], description: 'uint64, above the last question sequence of the device.' },
    signature: { type: 'string', description: '0x + 128 hex digits: r ‖ s, low s.' },
  },
} as const;

const wantsJson = (request: FastifyRequest): boolean => {
  const accept = request.headers.accept ?? '';
  const json = accept.indexOf('application/json');
  const cbor = accept.indexOf('application/cbor');
  return json !== -1 && (cbor === -1 || json < cbor);
};

/**
 * POST /v1/questions — a device asks, the Pythia answers with a COSE_Sign1 it signs
 * (application/cbor, or { answer: base64 } when Accept asks for JSON). The request is signed by
 * the asking device (checked against its registered key) and replay-checked per device.
 */
export const answersPlugin: FastifyPluginAsync<AnswersPluginOptions> = async (app, options) => {
  const signer = coseSignerOf(options.answerSigner);
  const replay = new QuestionReplayCache(options.replayCache);
  const clock = options.clock ?? (() => Math.floor(Date.now() / 1000));
  app.addContentTypeParser('application/cbor', { parseAs: 'buffer', bodyLimit: 4096 }, (_request, body, done) => done(null, body));

  app.get('/v1/questions/key', { schema: { summary: 'The key this gateway signs answers with', tags: ['answers'] } }, async () => ({
    kid: bytesToHex(signer.kid),
  }));

  app.post(
    '/v1/questions',
    {
      schema: {
        summary: 'Ask the Pythia a question; get a signed answer (COSE_Sign1, ES256K)',
        tags: ['answers'],
        body: {
          content: {
            'application/json': { schema: questionJsonSchema },
            'application/cbor': { schema: { description: 'COSE_Sign1 signed by the device key (ES256K, kid = device id).' } },
          },
        },
        response: {
          200: {
            description: 'The signed answer: application/cbor bytes, or { answer: base64 } for Accept: application/json.',
            content: {
              'application/cbor': { schema: { type: 'string', format: 'binary' } },
              'application/json': { schema: { type: 'object', required: ['answer'], properties: { answer: { type: 'string' } } } },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      let asked: ParsedQuestionRequest;
      try {
        asked = Buffer.isBuffer(request.body)
          ? parseCborQuestionRequest(request.body)
          : parseJsonQuestionRequest(request.body, options.chainId);
      } catch (error) {
        if (error instanceof QuestionRequestError) return sendError(reply, error.reason, error.message);
        throw error;
      }
      return answer(asked, reply);
    },
  );

  async function answer(asked: ParsedQuestionRequest, reply: FastifyReply) {
    if (asked.chainId !== options.chainId) {
      return sendError(reply, 'bad_signature', `the question is signed for chain ${asked.chainId}, not ${options.chainId}`);
    }
    if (bytesToHex(asked.message.kid).toLowerCase() !== asked.device.toLowerCase()) {
      return sendError(reply, 'bad_signature', 'kid is not the asking device');
    }
    const state = await options.directory.get(asked.device);
    if (state.status === 'none') return sendError(reply, 'unknown_device', `device ${asked.device} is not registered`);
    try {
      verifyCoseSignature(asked.message, state.publicKey65);
    } catch (error) {
      if (error instanceof AnswerError)
        return sendError(reply, 'bad_signature', `not signed by ${asked.device}'s registered key: ${error.message}`);
      throw error;
    }
    const taken = replay.take(asked.device, asked.sequence, asked.challenge);
    if (!taken.ok) return sendError(reply, 'replayed_request', taken.why);
    let signed: Uint8Array;
    try {
      ({ answer: signed } = await answerQuestion({
        publicClient: options.publicClient,
        fleetAddress: options.fleetAddress,
        chainId: options.chainId,
        signer,
        question: asked.question,
        params: asked.params,
        challenge: asked.challenge,
        now: clock(),
      }));
    } catch (error) {
      taken.undo();
      throw new ChainUnavailableError(`could not answer ${asked.question.name}: ${shortError(error)}`);
    }
    if (wantsJson(reply.request)) return reply.type('application/json').send({ answer: Buffer.from(signed).toString('base64') });
    return reply.type('application/cbor').send(Buffer.from(signed));
  }
};
