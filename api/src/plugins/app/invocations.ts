import fp from 'fastify-plugin'

/**
 * A kind of Lambda invocation that is not an HTTP request: a batch from an SQS event source
 * mapping, a Step Functions task. The Lambda entry points hand each event to the first kind
 * that claims it, and anything else to the app as API Gateway's request.
 */
export interface InvocationKind {
  /** For logs: `sqs jobs`, `discord delivery task`. */
  name: string
  claims(event: unknown): boolean
  handle(event: unknown): Promise<unknown>
}

declare module 'fastify' {
  interface FastifyInstance {
    /** What this app answers on Lambda besides API Gateway's requests; plugins add to it. */
    invocations: InvocationKind[]
  }
}

export default fp(
  async (app) => {
    app.decorate('invocations', [] as InvocationKind[])
  },
  { name: 'invocations' },
)
