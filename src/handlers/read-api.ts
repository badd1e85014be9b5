import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  getGroupView,
  getUserView,
  listGroupsPage,
  listMembersPage,
  listRejectionsPage,
  listUsersPage,
  makeDocumentClient,
} from '../adapters/dynamodb';
import { awsConfigFromEnv, requireEnv } from '../adapters/aws-config';
import type { HttpResponse } from './http-producer';
import { makeReadApi, type ReadModel, type ReadRequest } from './read-routes';
import { lazy, makeLogger } from './runtime';

/** The read model of one table, as the read API's routes use it. */
export const readModelOf = (doc: DynamoDBDocumentClient, table: string): ReadModel => ({
  users: (limit, cursor) => listUsersPage(doc, table, limit, cursor),
  user: (id) => getUserView(doc, table, id),
  groups: (limit, cursor) => listGroupsPage(doc, table, limit, cursor),
  group: (id) => getGroupView(doc, table, id),
  members: (id, limit, cursor) => listMembersPage(doc, table, id, limit, cursor),
  rejections: (limit, cursor) => listRejectionsPage(doc, table, limit, cursor),
});

const deps = lazy(() => ({
  api: makeReadApi(
    readModelOf(
      makeDocumentClient(awsConfigFromEnv(process.env)),
      requireEnv('CACHE_TABLE_NAME', process.env),
    ),
  ),
  logger: makeLogger('read-api'),
}));

/** Lambda entry point (REST API proxy events): the read-only directory API. */
export const handler = async (event: ReadRequest): Promise<HttpResponse> => {
  const { api, logger } = deps();
  try {
    return await api(event);
  } catch (error) {
    logger.error('read failed', {
      path: event.path,
      error: error instanceof Error ? error.message : String(error),
    });
    return {
      statusCode: 500,
      headers: { 'content-type': 'application/json' },
      body: '{"error":"read failed"}',
    };
  }
};
