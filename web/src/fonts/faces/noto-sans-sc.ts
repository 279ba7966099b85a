import ranges from '@fontsource/noto-sans-sc/unicode.json'
import type { FaceFiles } from '../caption-fonts.ts'

/**
 * Noto Sans SC's subset files and their ranges. The whole-script files
 * (`noto-sans-sc-chinese-simplified-…`) are left out: the numbered subsets cover the same
 * letters.
 */
export default {
  ranges,
  files: import.meta.glob(
    [
      '/node_modules/@fontsource/noto-sans-sc/files/*-700-normal.woff2',
      '!**/noto-sans-sc-chinese-simplified-*',
    ],
    { query: '?url', import: 'default', eager: true },
  ),
} satisfies FaceFiles
