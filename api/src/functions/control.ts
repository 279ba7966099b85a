/**
 * The control function's routes: health and limits, upload policies, the admin and signature
 * tools, webhooks, events, the jobs API (a job is rendered by the render function, from the
 * jobs queue). Nothing here loads a native package.
 */
import fp from 'fastify-plugin'
import type { FunctionOptions } from '../app-base.ts'
import adminRoutes from '../routes/admin/index.ts'
import eventRoutes from '../routes/events.ts'
import jobRoutes from '../routes/jobs.ts'
import storageRoutes from '../routes/storage.ts'
import uploadRoutes from '../routes/uploads.ts'
import webhookRoutes from '../routes/webhooks.ts'
import { archiveWorker } from '../services/webhooks/archive-worker.ts'

export default fp<FunctionOptions>(
  async (app, { config, now }) => {
    // Pushes are archived after GitHub is answered, from the archives queue.
    app.queues.work(
      'archives',
      archiveWorker({ s3: app.s3, records: app.records, config, notify: app.notify, log: app.log }),
    )
    await app.register(
      async (api) => {
        await api.register(storageRoutes, { config })
        await api.register(uploadRoutes, { config })
        await api.register(adminRoutes, { config, now, prefix: '/admin' })
        await api.register(webhookRoutes, { config, now, prefix: '/webhooks' })
        await api.register(eventRoutes, { config, prefix: '/events' })
        await api.register(jobRoutes, { config, prefix: '/jobs' })
      },
      { prefix: '/api' },
    )
  },
  {
    name: 'control-function',
    dependencies: ['storage', 'records', 'queues', 'notifier', 'api-keys'],
  },
)
