import { constants, type BrotliOptions, type ZlibOptions } from 'node:zlib'

/**
 * How the build compresses its text files (JS, CSS, HTML, SVG, JSON): once, at the strongest
 * settings, a Brotli and a gzip copy beside each file of 1 kB or more. The local server sends
 * the one the browser accepts (@fastify/static's preCompressed); on AWS CloudFront compresses,
 * and the site's deployment leaves these copies out.
 */
export const COMPRESSED_FROM_BYTES = 1024
export const BROTLI: BrotliOptions = {
  params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY },
}
export const GZIP: ZlibOptions = { level: 9 }
