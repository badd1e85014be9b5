import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpRequest, HttpResponse } from '../handlers/http-producer';
import { isReadPath, type ReadRequest } from '../handlers/read-routes';
import { readBody, type DashboardHandler } from './dashboard/server';
import { validate } from './dashboard/ops';
import { guardRequest } from './request-guard';

type HttpHandler = (event: HttpRequest) => Promise<HttpResponse>;

/** What the embedded HTTP server serves besides `POST /commands`. */
export interface HttpServerRoutes {
  /** The read API (GET /users, /groups, /rejections and below). */
  readonly read?: (request: ReadRequest) => Promise<HttpResponse>;
  /** The dashboard page and its /api routes. */
  readonly dashboard?: DashboardHandler;
}

const headersOf = (headers: IncomingHttpHeaders): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).flatMap(([k, v]) => (typeof v === 'string' ? [[k, v]] : [])));

/**
 * Serves on 127.0.0.1: `POST /commands` (API Gateway proxy events handed to the real HTTP producer),
 * `POST /validate` (the same checks, nothing sent), the read API, and the dashboard. Every request
 * first passes ./request-guard (loopback Host, no cross-origin browser request, JSON bodies only); a
 * refused one gets its 4xx, its body is discarded unread, and nothing is sent.
 */
export const startHttpServer = (
  port: number,
  handler: HttpHandler,
  routes: HttpServerRoutes = {},
): Promise<Server> =>
  new Promise((resolve, reject) => {
    const server = createServer((req, res) => {
      const reply = (r: { statusCode: number; headers?: Record<string, string>; body: string }) => {
        res.writeHead(r.statusCode, r.headers ?? { 'content-type': 'application/json' });
        res.end(r.body);
      };
      const verdict = guardRequest(req, (server.address() as AddressInfo).port);
      if (!verdict.ok) {
        req.resume();
        res.setHeader('connection', 'close');
        return reply({ statusCode: verdict.statusCode, body: JSON.stringify({ error: verdict.error }) });
      }
      const failed = (error: unknown) =>
        reply({ statusCode: 500, body: JSON.stringify({ error: String(error) }) });
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const path = url.pathname;
      if (path === '/commands' || path === '/validate') {
        if (req.method !== 'POST') return reply({ statusCode: 405, body: '{"error":"use POST"}' });
        return void readBody(req)
          .then((body) =>
            path === '/commands'
              ? handler({ body, isBase64Encoded: false, headers: headersOf(req.headers) })
              : { statusCode: 200, body: JSON.stringify(validate(body)) },
          )
          .then(reply, failed);
      }
      if (routes.read !== undefined && isReadPath(path))
        return void routes
          .read({
            httpMethod: req.method ?? 'GET',
            path,
            queryStringParameters: Object.fromEntries(url.searchParams),
          })
          .then(reply, failed);
      const notFound = () =>
        reply({ statusCode: 404, body: '{"error":"not found: try POST /commands, GET /users or GET /"}' });
      if (routes.dashboard === undefined) return notFound();
      routes.dashboard(req, res).then((handled) => (handled ? undefined : notFound()), failed);
    });
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
