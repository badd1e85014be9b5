/** The DynamoDB adapter: a client, the storage port's implementation, and the read model. */
export { getCommandRecord, makeDocumentClient, queryAll } from './client';
export { compileOp } from './expressions';
export { BadCursorError } from './cursor';
export {
  getGroupView,
  getUserView,
  listGroupsPage,
  listMembersPage,
  listRejectionsPage,
  listRejections,
  listUsersPage,
  readDirectory,
  type DirectoryState,
  type GroupView,
  type MemberView,
  type Page,
  type RejectionView,
  type UserView,
} from './read-model';
export { batchGet, makeDirectoryStore, transactWrite } from './store';
