import helmet from '@fastify/helmet'
import fp from 'fastify-plugin'
import type { AppConfig } from '../../config.ts'
import {
  FRAME_OPTIONS,
  isApiPath,
  REFERRER_POLICY,
  sitePolicy,
} from '../../pages/security-headers.ts'

/**
 * The origins the browser reaches the upload bucket at (presigned POSTs and renders): the
 * configured S3 endpoint (the embedded S3's, locally), or the bucket's AWS hosts.
 */
export function storageOrigins(config: AppConfig): string[] {
  const { endpoint, region, forcePathStyle } = config.s3
  const bucket = config.uploadBucket
  if (endpoint) {
    const url = new URL(endpoint)
    return [forcePathStyle ? url.origin : `${url.protocol}//${bucket}.${url.host}`]
  }
  return [`https://${bucket}.s3.${region}.amazonaws.com`, `https://${bucket}.s3.amazonaws.com`]
}

/**
 * The headers CloudFront adds on AWS (pages/security-headers.ts), sent by the app itself:
 * `X-Content-Type-Options`, `X-Frame-Options` and `Referrer-Policy` on everything, and the
 * SPA's Content-Security-Policy on what is not API (`/api/*`, `/m/*`), as CloudFront's two
 * policies split them. The share pages send their own narrower CSP (routes/shares.ts), and so
 * does the API docs UI. Helmet's other headers stay off: what runs here is what runs on AWS.
 */
export default fp<{ storageOrigins: readonly string[] }>(
  async (app, { storageOrigins }) => {
    await app.register(helmet, {
      global: true,
      contentSecurityPolicy: false,
      crossOriginEmbedderPolicy: false,
      crossOriginOpenerPolicy: false,
      crossOriginResourcePolicy: false,
      originAgentCluster: false,
      referrerPolicy: { policy: REFERRER_POLICY },
      // See STRICT_TRANSPORT_SECURITY: pointless over http, added by CloudFront on AWS.
      strictTransportSecurity: false,
      xDnsPrefetchControl: false,
      xDownloadOptions: false,
      // Helmet takes the action in lower case; CloudFront's DENY.
      xFrameOptions: { action: FRAME_OPTIONS.toLowerCase() as 'deny' },
      xPermittedCrossDomainPolicies: false,
      xXssProtection: false,
    })
    const policy = sitePolicy(storageOrigins)
    app.addHook('onRequest', async (request, reply) => {
      if (!isApiPath(request.url.split('?')[0] ?? ''))
        reply.header('content-security-policy', policy)
    })
  },
  { name: 'security-headers' },
)
