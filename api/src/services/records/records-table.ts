import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb'

/**
 * The one table of the app's records. Every item has a partition key `pk` and a sort key
 * `sk`, both strings that say what the item is (`job#<id>` / `job`, `hook` / `<hookId>`, …);
 * the CDK stack creates the same key schema and TTL attribute (`infra/test` checks that it
 * matches these constants).
 */
export const RECORDS_PARTITION_KEY = 'pk'
export const RECORDS_SORT_KEY = 'sk'
/**
 * Seconds since the epoch after which an item is gone. DynamoDB's TTL deletes such items
 * lazily (within days), and dynalite not at all, so every read treats an item whose
 * `expiresAt` has passed as missing: nothing depends on the deletion happening.
 */
export const RECORDS_TTL_ATTRIBUTE = 'expiresAt'
/**
 * The optimistic lock: a whole number that every write of an item that can be edited raises
 * by one, on the condition that it still holds the value that was read.
 */
export const RECORDS_LOCK_ATTRIBUTE = 'lockVersion'

/**
 * Creates the records table where the app runs on its own stores (the embedded DynamoDB,
 * the tests). On AWS the stack creates it; the app never does.
 */
export async function ensureRecordsTable(client: DynamoDBClient, tableName: string) {
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: RECORDS_PARTITION_KEY, KeyType: 'HASH' },
          { AttributeName: RECORDS_SORT_KEY, KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: RECORDS_PARTITION_KEY, AttributeType: 'S' },
          { AttributeName: RECORDS_SORT_KEY, AttributeType: 'S' },
        ],
      }),
    )
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error
  }
  // dynalite creates tables at once when started with createTableMs 0, but DynamoDB itself
  // (DynamoDB Local, a real table) takes a moment: wait until it is ACTIVE.
  for (let tries = 0; ; tries += 1) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }))
    if (Table?.TableStatus === 'ACTIVE') break
    if (tries > 100) throw new Error(`table ${tableName} did not become ACTIVE`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  // dynalite does not implement TTL; DynamoDB does. The reads never depend on it either way.
  await client
    .send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: RECORDS_TTL_ATTRIBUTE, Enabled: true },
      }),
    )
    .catch(() => {})
}
