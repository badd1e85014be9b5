/**
 * The read API's routes as a pure request -> response function over a read model: the embedded HTTP
 * server, the dashboard server and the read-only Lambda (./read-api) all serve this one contract.
 */
import {
  BadCursorError,
  type GroupView,
  type MemberView,
  type Page,
  type RejectionView,
  type UserView,
} from '../adapters/dynamodb';
import { parseIdReference } from '../domain/ids';
import type { HttpResponse } from './http-producer';

/** The reads the routes need (the DynamoDB read model, bound to a table). */
export interface ReadModel {
  readonly users: (limit: number, cursor?: string) => Promise<Page<UserView>>;
  readonly user: (id: string) => Promise<UserView | undefined>;
  readonly groups: (limit: number, cursor?: string) => Promise<Page<GroupView>>;
  readonly group: (id: string) => Promise<GroupView | undefined>;
  readonly members: (id: string, limit: number, cursor?: string) => Promise<Page<MemberView> | undefined>;
  readonly rejections: (limit: number, cursor?: string) => Promise<Page<RejectionView>>;
}

/** A read request: method, path and query string parameters (API Gateway's names). */
export interface ReadRequest {
  readonly httpMethod: string;
  readonly path: string;
  readonly queryStringParameters?: Record<string, string | undefined> | null;
}

/** Page sizes: the default and the largest a caller may ask for. */
export const PAGE_LIMITS = { default: 50, max: 100 } as const;

const json = (statusCode: number, body: unknown): HttpResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

const notFound = (reason: string) => json(404, { error: 'not found', reason });
const badRequest = (reason: string) => json(400, { error: 'bad request', reason });

type Query = Record<string, string | undefined>;

const limitOf = (query: Query): number | string => {
  const raw = query['limit'];
  if (raw === undefined) return PAGE_LIMITS.default;
  const n = Number(raw);
  return /^\d+$/.test(raw) && n >= 1 && n <= PAGE_LIMITS.max
    ? n
    : `limit must be an integer from 1 to ${PAGE_LIMITS.max}`;
};

const paged = async <T>(
  query: Query,
  name: string,
  read: (limit: number, cursor?: string) => Promise<Page<T> | undefined>,
  missing: string,
): Promise<HttpResponse> => {
  const limit = limitOf(query);
  if (typeof limit === 'string') return badRequest(limit);
  const page = await read(limit, query['cursor']);
  if (page === undefined) return notFound(missing);
  return json(200, { [name]: page.items, ...(page.next === undefined ? {} : { next: page.next }) });
};

/** True when a path belongs to the read API (GET /users, /groups, /rejections and below). */
export const isReadPath = (path: string): boolean => /^\/(users|groups|rejections)(\/|$)/.test(path);

const route = async (model: ReadModel, path: string, query: Query): Promise<HttpResponse> => {
  const parts = path
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
  const [collection, rawId, sub] = parts;
  if (collection === 'rejections' && parts.length === 1)
    return paged(query, 'rejections', model.rejections, '');
  if (collection === 'users' && parts.length === 1) return paged(query, 'users', model.users, '');
  if (collection === 'groups' && parts.length === 1) return paged(query, 'groups', model.groups, '');
  if (collection === 'users' && rawId !== undefined && parts.length === 2) {
    const id = parseIdReference(rawId, 'USER');
    if (id === undefined)
      return notFound(`"${rawId}" is not a user id (64 hex characters, optionally USER|)`);
    const user = await model.user(id);
    return user === undefined ? notFound(`no user has the id ${id}`) : json(200, user);
  }
  if (collection === 'groups' && rawId !== undefined) {
    const id = parseIdReference(rawId, 'GROUP');
    if (id === undefined)
      return notFound(`"${rawId}" is not a group id (64 hex characters, optionally GROUP|)`);
    if (parts.length === 2) {
      const group = await model.group(id);
      return group === undefined ? notFound(`no group has the id ${id}`) : json(200, group);
    }
    if (sub === 'members' && parts.length === 3)
      return paged(query, 'members', (l, c) => model.members(id, l, c), `no group has the id ${id}`);
  }
  return notFound(`no route GET ${path}`);
};

/** Answers one read request: 200 with the document, 400 for a bad limit or cursor, 404 with a reason. */
export const makeReadApi =
  (model: ReadModel) =>
  async (request: ReadRequest): Promise<HttpResponse> => {
    if (request.httpMethod !== 'GET') return json(405, { error: 'use GET' });
    try {
      return await route(model, request.path, request.queryStringParameters ?? {});
    } catch (error) {
      if (error instanceof BadCursorError) return badRequest(error.message);
      throw error;
    }
  };
