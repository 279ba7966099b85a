/**
 * The render function's routes: memes, shares and their pages, templates, memes by URL, layouts;
 * and the jobs queue's worker.
 * This module and what it imports are the only way into sharp, Skia and the fonts
 * (`plugins/app/memes.ts`), so the control function's bundle, which never imports it, carries
 * none of them.
 */
import fp from 'fastify-plugin'
import type { FunctionOptions } from '../app-base.ts'
import memes from '../plugins/app/memes.ts'
import templates from '../plugins/app/templates.ts'
import imageRoutes from '../routes/images.ts'
import layoutRoutes from '../routes/layouts.ts'
import memeRoutes from '../routes/memes.ts'
import shareRoutes, { sharePageRoutes } from '../routes/shares.ts'
import templateRoutes from '../routes/templates.ts'
import { jobWorker } from '../services/jobs/job-worker.ts'

export default fp<FunctionOptions>(
  async (app, { config, objectChanges, trimAfterIdleMs }) => {
    await app.register(memes, { config, objectChanges, trimAfterIdleMs })
    await app.register(templates, { config })
    // Jobs accepted by the control function (`POST /api/jobs`) are rendered here.
    app.queues.work(
      'jobs',
      jobWorker({
        records: app.records,
        s3: app.s3,
        bucket: config.uploadBucket,
        render: (request) => app.makeMeme(request),
        log: app.log,
        // Half the visibility timeout: a message back after its worker died finds it over.
        leaseSeconds: Math.max(1, Math.floor(config.queues.visibilitySeconds / 2)),
        maxReceives: config.queues.maxReceives,
      }),
    )
    await app.register(
      async (api) => {
        await api.register(memeRoutes, { config })
        await api.register(shareRoutes, { config })
        await api.register(templateRoutes)
        await api.register(imageRoutes, { config })
        await api.register(layoutRoutes, { config })
      },
      { prefix: '/api' },
    )
    await app.register(sharePageRoutes, { config })
  },
  {
    name: 'render-function',
    dependencies: ['storage', 'records', 'queues', 'notifier', 'api-keys'],
  },
)
