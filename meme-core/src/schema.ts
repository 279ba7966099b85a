/**
 * Every HTTP contract of the API (TypeBox): the routes validate with these, and the browser
 * takes its types from them. The editor imports only types from here; the admin pages also
 * check answers against the schemas, so their values stay in the admin chunk.
 */
export * from './caption-schema.ts'
export * from './edit-schema.ts'
export * from './api-schema.ts'
export * from './error-schema.ts'
export * from './job-schema.ts'
export * from './share-schema.ts'
export * from './template-schema.ts'
export * from './layout-schema.ts'
export * from './signature-schema.ts'
export * from './access-schema.ts'
export * from './usage-schema.ts'
export * from './webhook-schema.ts'
export * from './notification-schema.ts'
export * from './seed-schema.ts'
