/** The DynamoDB adapter: a client, the storage port's implementation, and the read model. */
export { getCommandRecord, makeDocumentClient, queryAll } from './client';
export { compileOp } from './expressions';
export { readDirectory, listRejections, type DirectoryState, type RejectionView } from './read-model';
export { batchGet, makeDirectoryStore, transactWrite } from './store';
