import ranges from '@fontsource/noto-sans-kr/unicode.json'
import type { FaceFiles } from '../caption-fonts.ts'

/**
 * Noto Sans KR's subset files and their ranges. The whole-script files
 * (`noto-sans-kr-korean-…`) are left out: the numbered subsets cover the same letters.
 */
export default {
  ranges,
  files: import.meta.glob(
    [
      '/node_modules/@fontsource/noto-sans-kr/files/*-700-normal.woff2',
      '!**/noto-sans-kr-korean-*',
    ],
    { query: '?url', import: 'default', eager: true },
  ),
} satisfies FaceFiles
