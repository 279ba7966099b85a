/**
 * The security headers of every page and answer, in one place: CloudFront's response headers
 * policies send them on AWS (infra/lib/site.ts builds its policies from these values, and an
 * infra test checks that they agree), and the app sends the same ones itself through
 * @fastify/helmet (plugins/external/security-headers.ts), locally and on API Gateway's own URL.
 *
 * @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/understanding-response-headers-policies.html
 */

/** Paths CloudFront sends to the API: the JSON API and the share pages (with their own CSP). */
export const API_PATH_PATTERNS = ['/api/*', '/m/*'] as const

/** Whether CloudFront would send `path` to the API rather than serve the SPA's files. */
export function isApiPath(path: string): boolean {
  return API_PATH_PATTERNS.some((pattern) => path.startsWith(pattern.slice(0, -1)))
}

/** Sent with everything: the referrer carries at most the origin to other sites. */
export const REFERRER_POLICY = 'strict-origin-when-cross-origin'
/** No page of the site may be framed (clickjacking): `frame-ancestors 'none'` says it too. */
export const FRAME_OPTIONS = 'DENY'
/**
 * HSTS as CloudFront sends it, on https. The app does not send it: browsers ignore it over
 * http (RFC 6797 §8.1), which is all the local server speaks, and on AWS CloudFront adds it.
 * @see https://www.rfc-editor.org/rfc/rfc6797#section-8.1
 */
export const STRICT_TRANSPORT_SECURITY = {
  maxAgeSeconds: 365 * 24 * 60 * 60,
  includeSubdomains: true,
}

/**
 * The SPA's Content-Security-Policy, directive by directive. The browser POSTs the picture to
 * the upload bucket (XHR, so `connect-src`) and shows presigned renders from it (`img-src`);
 * the editor previews the picked file through a `blob:` URL; Vite inlines small font subsets
 * as `data:` URLs.
 */
export function sitePolicyDirectives(storageOrigins: readonly string[]): Record<string, string[]> {
  return {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'style-src': ["'self'"],
    'img-src': ["'self'", 'blob:', 'data:', ...storageOrigins],
    'font-src': ["'self'", 'data:'],
    // blob: reads back only what this page made itself (the rendered meme's object URL): the
    // e2e suite compares those bytes with the server's, under this policy.
    'connect-src': ["'self'", 'blob:', ...storageOrigins],
    'form-action': ["'self'", ...storageOrigins],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'frame-ancestors': ["'none'"],
  }
}

/** The SPA's Content-Security-Policy header value. */
export function sitePolicy(storageOrigins: readonly string[]): string {
  return Object.entries(sitePolicyDirectives(storageOrigins))
    .map(([name, values]) => [name, ...values].join(' '))
    .join('; ')
}
