import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { errorResponses, sendError } from '../core/httpErrors.js';

export type ConsolePluginOptions = {
  /** The built console (build/console: index.html, app.js, app.css), read once when the gateway starts. */
  directory: string;
};

/**
 * What the browser may do on the console's pages: scripts, styles and requests of this origin only
 * (no inline script, no CDN, no font or tile from the internet), no frame around them, no form to
 * elsewhere. docs/console.md and docs/security.md, "The console".
 */
export const CONSOLE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const CONSOLE_HEADERS = {
  'content-security-policy': CONSOLE_CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  // The file names carry no hash: the browser asks again each time (a 200 of a few hundred KiB on loopback).
  'cache-control': 'no-cache',
} as const;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

type ConsoleFile = { contentType: string; body: Buffer };

/** The built files by name; empty when the console was not built (a checkout without `npm install`/`npm run build`). */
function readBuiltConsole(directory: string): Map<string, ConsoleFile> {
  const files = new Map<string, ConsoleFile>();
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return files;
  }
  for (const name of names) {
    const contentType = CONTENT_TYPES[extname(name)];
    if (contentType) files.set(name, { contentType, body: readFileSync(join(directory, name)) });
  }
  return files;
}

/**
 * The council console's files under /console/ (public: they hold no data; the data comes from
 * GET /v1/index/..., which needs the console token). Registered with the index routes.
 */
export const consolePlugin: FastifyPluginAsync<ConsolePluginOptions> = async (app, options) => {
  const files = readBuiltConsole(options.directory);
  const tags = ['console'];
  const send = (reply: FastifyReply, name: string) => {
    const file = files.get(name);
    if (!file) {
      if (!files.has('index.html'))
        return sendError(
          reply,
          'not_found',
          `the console was not built (no ${options.directory}): run \`npm run build\` in Pythia's folder, then start the node again`,
        );
      return sendError(reply, 'not_found', `the console has no file ${name}`);
    }
    return reply.headers(CONSOLE_HEADERS).type(file.contentType).send(file.body);
  };

  app.get('/console', { schema: { summary: 'The council console: redirects to /console/', tags } }, async (_request, reply) =>
    reply.redirect('/console/'),
  );
  app.get(
    '/console/',
    {
      schema: {
        summary: "The council console's page (docs/console.md); the console token is given in the page, never in the address sent",
        tags,
        produces: ['text/html'],
        response: errorResponses,
      },
    },
    async (_request, reply) => send(reply, 'index.html'),
  );
  app.get<{ Params: { file: string } }>(
    '/console/:file',
    {
      schema: {
        summary: "The console's scripts and styles (built by the install step into build/console)",
        tags,
        params: {
          type: 'object',
          required: ['file'],
          properties: { file: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$' } },
        },
        response: errorResponses,
      },
    },
    async (request, reply) => send(reply, request.params.file),
  );
};
