/**
 * A request as it reaches the app on AWS: CloudFront forwards it to API Gateway's own host
 * (the origin), which hands the function the resource path without the stage. Nothing in
 * it names the site people see, so a link built from it is wrong; public links must come
 * from `PUBLIC_ORIGIN`.
 */
export const BEHIND_CLOUDFRONT = {
  host: 'abc123.execute-api.eu-west-1.amazonaws.com',
  'x-forwarded-proto': 'https',
  'x-forwarded-port': '443',
  'x-forwarded-for': '203.0.113.7, 130.176.0.1',
  via: '2.0 0123456789abcdef0123456789abcdef.cloudfront.net (CloudFront)',
} as const

/** The site's own URL, as the stack sets `PUBLIC_ORIGIN`. */
export const PUBLIC_ORIGIN = 'https://memes.example'
