/** The cache table's schema, built from the domain model's key names: what provisioning creates. */
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { GSI_ATTRIBUTES, TABLE } from '../../domain/model';

/** Everything the table is created with: CreateTable's input, its TTL and point-in-time recovery. */
export interface TableDefinition {
  readonly create: CreateTableCommandInput;
  readonly timeToLive: { readonly AttributeName: string; readonly Enabled: true };
  readonly pointInTimeRecovery: true;
}

/**
 * The cache table: on-demand, string keys `pk`/`sk`, one GSI on `gsi1pk`/`gsi1sk` projecting only the
 * attributes its queries read (never a password hash), SSE, a TTL on
 * `expiresAt`, PITR. serverless.yml declares the same table; a packaging test compares every field.
 */
export const cacheTableDefinition = (tableName: string): TableDefinition => ({
  create: {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [TABLE.partitionKey, TABLE.sortKey, TABLE.gsiPartitionKey, TABLE.gsiSortKey].map(
      (AttributeName) => ({ AttributeName, AttributeType: 'S' }),
    ),
    KeySchema: [
      { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: TABLE.gsi,
        KeySchema: [
          { AttributeName: TABLE.gsiPartitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE.gsiSortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: TABLE.gsiProjection, NonKeyAttributes: [...GSI_ATTRIBUTES] },
      },
    ],
    SSESpecification: { Enabled: true },
  },
  timeToLive: { AttributeName: TABLE.ttlAttribute, Enabled: true },
  pointInTimeRecovery: true,
});
