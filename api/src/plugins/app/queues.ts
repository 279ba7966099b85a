import fp from 'fastify-plugin'
import type { QueueSettings } from '../../config.ts'
import { AppQueues } from '../../services/queue/app-queues.ts'
import type { Queues } from '../../services/queue/types.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** Background work: SQS where a queue's URL is set, else the embedded queue. */
    queues: Queues
  }
}

/**
 * `app.queues`. Functions register their workers while the app is built; once it is ready,
 * this process polls the embedded queues it has workers for, and on Lambda it answers the
 * SQS batches of the queues it works. Before the app closes, polling stops and the workers
 * running finish: `preClose`, so that the stores they write to are still open.
 */
export default fp<{ settings: QueueSettings }>(
  async (app, { settings }) => {
    const queues = new AppQueues({ settings, records: app.records, log: app.log })
    app.decorate('queues', queues)
    app.invocations.push(queues.invocation())
    app.addHook('onReady', async () => queues.start())
    app.addHook('preClose', async () => queues.stop())
  },
  { name: 'queues', dependencies: ['records', 'invocations'] },
)
