import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Tags, Validations, type App } from 'aws-cdk-lib'
import { ApiStack, APP_PREFIXES } from './api-stack.ts'
import { loadDeploymentConfig } from './config.ts'
import { AwsSolutionsChecks } from 'cdk-nag'
import { PipelineStack } from './pipeline.ts'
import { StorageStack } from './storage-stack.ts'
import { WebStack } from './web-stack.ts'

export interface MemeStudioStacks {
  storage: StorageStack
  api: ApiStack
  web: WebStack
  /** Present only with context `pipeline=true`. */
  pipeline?: PipelineStack
}

/** The built SPA: context `webDist` (relative to the working directory), else `web/dist`. */
function siteAssetsDirectory(app: App): string {
  const given: unknown = app.node.tryGetContext('webDist')
  return typeof given === 'string' && given !== ''
    ? resolve(given)
    : fileURLToPath(new URL('../../web/dist', import.meta.url))
}

/** Builds the app's stacks from its context and checks them with cdk-nag's AWS Solutions rules. */
export function buildStacks(app: App): MemeStudioStacks {
  const config = loadDeploymentConfig(app)

  const storage = new StorageStack(app, 'MemeStudioStorage', {
    description: 'meme-studio: uploads and archive buckets (retained)',
    config,
  })
  const api = new ApiStack(app, 'MemeStudioApi', {
    description: 'meme-studio: the Fastify app on Lambda behind API Gateway',
    config,
    uploadBucket: storage.uploadBucket,
    archiveBucket: storage.archiveBucket,
  })
  acknowledgeBucketPrefixes(api)
  const web = new WebStack(app, 'MemeStudioWeb', {
    description: 'meme-studio: the SPA behind CloudFront, /api/* and /m/* to the API',
    config,
    siteAssets: siteAssetsDirectory(app),
    uploadBucket: storage.uploadBucket,
    restApi: api.restApi,
  })
  const pipeline = config.pipeline
    ? new PipelineStack(app, 'MemeStudioPipeline', {
        description: 'meme-studio: builds what the GitHub webhook archives',
        archiveBucket: storage.archiveBucket,
        sourceKey: config.pipelineSourceKey,
      })
    : undefined

  Tags.of(app).add('app', 'meme-studio')
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }))
  return { storage, api, web, ...(pipeline ? { pipeline } : {}) }
}

/**
 * The function's S3 grants end in key-prefix wildcards (`uploads/*`, `renders/*`, …): each
 * names one prefix of one bucket, which is as narrow as S3 object ARNs go. cdk-nag names
 * these findings after the cross-stack exports of the buckets' ARNs, which exist only once
 * the stacks are wired together here.
 */
function acknowledgeBucketPrefixes(api: ApiStack): void {
  const uploads = 'MemeStudioStorage:ExportsOutputFnGetAttUploads4F6EB0FDArn5513CBEA'
  const archives = 'MemeStudioStorage:ExportsOutputFnGetAttArchives51DD1BB3Arn090B7FEE'
  const resources = [...APP_PREFIXES.map((prefix) => `${uploads}/${prefix}*`), `${archives}/*`]
  for (const resource of resources) {
    Validations.of(api).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::${resource}]`,
      reason:
        "One key prefix of one bucket (the app's uploads, renders, jobs, webhook deliveries, " +
        'events and settings; any key of the archive bucket, which holds only archives): the ' +
        'narrowest S3 object grant there is.',
    })
  }
}
