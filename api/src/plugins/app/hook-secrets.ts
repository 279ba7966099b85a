import fp from 'fastify-plugin'
import { secretBox } from '../../services/access/secret-box.ts'
import { sealHookSecretsIn } from '../../services/webhooks/hooks.ts'

/**
 * Hook secrets are sealed in `app.records` with a key derived from HOOK_SECRETS_KEY (on
 * Lambda from its secret, locally generated into DATA_DIR by the runner). Without it the app
 * still starts, and every hook read or write is a 500 whose log names HOOK_SECRETS_KEY.
 */
export default fp<{ key: string | undefined }>(
  async (app, { key }) => {
    if (key !== undefined) sealHookSecretsIn(app.records, secretBox(key, 'hook secrets'))
  },
  { name: 'hook-secrets', dependencies: ['records'] },
)
