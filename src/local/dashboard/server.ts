/**
 * The dashboard's HTTP side: the page, its script (built by esbuild from src/dashboard at start),
 * and the /api routes the page calls. Everything AWS is done here with the server's credentials;
 * the browser only ever talks to this server.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { guardRequest } from '../request-guard';
import { join } from 'node:path';
import { build } from 'esbuild';
import { MAX_BODY_BYTES } from '../../domain/pipeline';
import { readModelOf } from '../../handlers/read-api';
import { isReadPath, makeReadApi } from '../../handlers/read-routes';
import type { Target } from '../client';
import {
  commandRates,
  eventFile,
  eventFiles,
  follow,
  isDlq,
  peekDlq,
  queueFigures,
  redriveDlq,
  send,
  validate,
} from './ops';
import { PAGE_HTML } from './page';

const ROOT = join(__dirname, '../../..');

/** Builds the page's script: one minified, self-contained bundle (no CDN, nothing fetched). */
export const buildDashboardScript = async (): Promise<string> => {
  const result = await build({
    entryPoints: [join(ROOT, 'src/dashboard/main.ts')],
    bundle: true,
    minify: true,
    write: false,
    format: 'iife',
    target: 'es2022',
    platform: 'browser',
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
};

type Reply = (status: number, body: unknown, type?: string) => void;

/** What a redrive's body asks for: every message (empty body), the listed message ids, or null (a bad body). */
export const messageIdsOf = (body: string): readonly string[] | undefined | null => {
  if (body.trim() === '') return undefined;
  try {
    const ids = (JSON.parse(body) as { messageIds?: unknown }).messageIds;
    return Array.isArray(ids) &&
      ids.length > 0 &&
      ids.length <= 100 &&
      ids.every((id) => typeof id === 'string')
      ? (ids as string[])
      : null;
  } catch {
    return null;
  }
};

/** Reads a request body up to a bound (bodies over it arrive truncated and fail validation). */
export const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES * 16) chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

/** A request handler for the page and /api; resolves false when the path is not the dashboard's. */
export type DashboardHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/** The dashboard of one target (the embedded stack, LocalStack or AWS). */
export const makeDashboardHandler = async (target: Target): Promise<DashboardHandler> => {
  const script = await buildDashboardScript();
  const readApi = makeReadApi(readModelOf(target.doc, target.names.table));
  const routes = async (method: string, path: string, url: URL, req: IncomingMessage, reply: Reply) => {
    if (method === 'GET' && (path === '/' || path === '/dashboard'))
      return reply(200, PAGE_HTML, 'text/html; charset=utf-8');
    if (method === 'GET' && path === '/dashboard.js')
      return reply(200, script, 'text/javascript; charset=utf-8');
    if (!path.startsWith('/api/')) return false;
    const sub = path.slice('/api'.length);
    if (method === 'GET' && isReadPath(sub)) {
      const r = await readApi({
        httpMethod: 'GET',
        path: sub,
        queryStringParameters: Object.fromEntries(url.searchParams),
      });
      return reply(r.statusCode, r.body, 'application/json');
    }
    if (method === 'GET' && sub === '/pipeline') {
      const [queues, rates] = await Promise.all([queueFigures(target), commandRates(target)]);
      return reply(200, {
        stage: target.names.stage,
        queues,
        perMinute: rates,
        at: new Date().toISOString(),
      });
    }
    if (method === 'POST' && sub === '/validate') return reply(200, validate(await readBody(req)));
    if (method === 'POST' && sub === '/commands') {
      const result = await send(target, await readBody(req));
      return reply(result.sent ? 202 : 400, result);
    }
    const followed = /^\/commands\/([\w-]{1,100})$/.exec(sub);
    if (method === 'GET' && followed?.[1] !== undefined) return reply(200, await follow(target, followed[1]));
    const dlq = /^\/dlq\/(\w+)(\/redrive)?$/.exec(sub);
    if (dlq?.[1] !== undefined && isDlq(dlq[1])) {
      if (method === 'GET' && dlq[2] === undefined)
        return reply(200, { messages: await peekDlq(target, dlq[1]) });
      if (method === 'POST' && dlq[2] !== undefined) {
        const only = messageIdsOf(await readBody(req));
        if (only === null) return reply(400, { error: 'the body is empty or {"messageIds": [ids]}' });
        return reply(200, { moved: await redriveDlq(target, dlq[1], only) });
      }
    }
    if (method === 'GET' && sub === '/files') return reply(200, eventFiles(ROOT));
    const file = /^\/files\/(events|seeds\/by-id|seeds\/by-name)\/([\w.-]+)$/.exec(sub);
    if (method === 'GET' && file?.[1] !== undefined && file[2] !== undefined) {
      const text = eventFile(ROOT, file[1], file[2]);
      return text === undefined
        ? reply(404, { error: 'no such file' })
        : reply(200, text, 'application/json');
    }
    return reply(404, { error: 'not found', reason: `no route ${method} ${path}` });
  };
  return async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let handled = true;
    const reply: Reply = (status, body, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    try {
      handled = (await routes(req.method ?? 'GET', url.pathname, url, req, reply)) !== false;
    } catch (error) {
      reply(500, { error: error instanceof Error ? error.message : String(error) });
    }
    return handled;
  };
};

/** Serves the dashboard of a target on 127.0.0.1 (`npm run dashboard`). */
export const startDashboardServer = async (target: Target, port: number): Promise<Server> => {
  const handle = await makeDashboardHandler(target);
  return new Promise((resolve, reject) => {
    const server = createServer((req, res) => {
      // it acts with the caller's credentials: a page of another origin must not drive it
      const verdict = guardRequest(req, (server.address() as AddressInfo).port);
      if (!verdict.ok) {
        req.resume();
        res.writeHead(verdict.statusCode, { 'content-type': 'application/json', connection: 'close' });
        return void res.end(JSON.stringify({ error: verdict.error }));
      }
      void handle(req, res).then((handled) => {
        if (!handled) {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end('{"error":"not found"}');
        }
      });
    });
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
};
