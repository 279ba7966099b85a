/** JSON Schemas (TypeBox) of the API's contract. The browser imports only their types. */
export * from './caption-schema.ts'
export * from './api-schema.ts'
