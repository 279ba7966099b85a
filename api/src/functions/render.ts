/**
 * The render function's routes: memes, shares and their pages, jobs. This module and what it
 * imports are the only way into sharp, Skia and the fonts (`plugins/app/memes.ts`), so the
 * control function's bundle, which never imports it, carries none of them.
 */
import fp from 'fastify-plugin'
import type { FunctionOptions } from '../app-base.ts'
import memes from '../plugins/app/memes.ts'
import jobRoutes from '../routes/jobs.ts'
import memeRoutes from '../routes/memes.ts'
import shareRoutes, { sharePageRoutes } from '../routes/shares.ts'

export default fp<FunctionOptions>(
  async (app, { config }) => {
    await app.register(memes, { config })
    await app.register(
      async (api) => {
        await api.register(memeRoutes)
        await api.register(shareRoutes, { config })
        await api.register(jobRoutes, { config, prefix: '/jobs' })
      },
      { prefix: '/api' },
    )
    await app.register(sharePageRoutes, { config })
  },
  { name: 'render-function', dependencies: ['storage', 'notifier', 'api-keys'] },
)
