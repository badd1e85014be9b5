/**
 * The checks every request to the local HTTP server passes before any route sees it. The server
 * listens on loopback, but a web page open in the developer's browser can still reach it: by a
 * cross-origin "simple" request (a `text/plain` POST needs no preflight), or by DNS rebinding (a
 * name of the attacker's that resolves to 127.0.0.1). So a request is served only when
 * - its `Host` is this server's loopback address (`127.0.0.1:PORT`, `localhost:PORT`, `[::1]:PORT`):
 *   a rebound name arrives with the attacker's host name;
 * - it carries no `Origin` but this server's own, and no `Sec-Fetch-Site` but `same-origin` or
 *   `none`: browsers send these, command-line clients do not;
 * - a request with a body says `Content-Type: application/json`: the type a cross-origin page
 *   cannot send without a CORS preflight, which this server never grants.
 * Refusals are 4xx with a JSON `{error}`; nothing is read or sent.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { isJsonContentType } from '../handlers/http-producer';

/** A request's verdict: served, or refused with a status and a reason. */
export type GuardVerdict =
  { readonly ok: true } | { readonly ok: false; readonly statusCode: number; readonly error: string };

/** The part of a request the guard reads. */
export interface GuardedRequest {
  readonly method?: string | undefined;
  readonly headers: IncomingHttpHeaders;
}

const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '[::1]'] as const;
/** Methods that may carry a body, whose body must be JSON. */
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const SAME_SITE_FETCHES = new Set(['same-origin', 'none']);

/** The `host:port` forms under which this server is its own origin. */
export const loopbackHosts = (port: number): string[] => LOOPBACK_HOSTS.map((h) => `${h}:${port}`);

const refuse = (statusCode: number, error: string): GuardVerdict => ({ ok: false, statusCode, error });

const single = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? (value.length === 1 ? value[0] : undefined) : value;

/**
 * Checks Host, Origin, Sec-Fetch-Site and (for a request with a body) Content-Type against the
 * rules above, for a server listening on loopback `port`.
 */
export const guardRequest = (req: GuardedRequest, port: number): GuardVerdict => {
  const hosts = loopbackHosts(port);
  const host = single(req.headers.host)?.toLowerCase();
  if (host === undefined || !hosts.includes(host))
    return refuse(421, `Host must be one of ${hosts.join(', ')} (this server answers on loopback only)`);
  const origin = req.headers.origin;
  if (origin !== undefined && !hosts.map((h) => `http://${h}`).includes(origin.toLowerCase()))
    return refuse(403, 'cross-origin requests are refused (Origin is not this server)');
  const site = single(req.headers['sec-fetch-site']);
  if (site !== undefined && !SAME_SITE_FETCHES.has(site.toLowerCase()))
    return refuse(403, 'cross-site requests are refused (Sec-Fetch-Site is not same-origin)');
  if (WITH_BODY.has((req.method ?? '').toUpperCase()) && !isJsonContentType(req.headers['content-type']))
    return refuse(415, 'Content-Type must be application/json');
  return { ok: true };
};
