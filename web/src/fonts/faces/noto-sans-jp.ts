import ranges from '@fontsource/noto-sans-jp/unicode.json'
import type { FaceFiles } from '../caption-fonts.ts'

/**
 * Noto Sans JP's subset files and their ranges. The whole-script files
 * (`noto-sans-jp-japanese-…`) are left out: the numbered subsets cover the same letters.
 */
export default {
  ranges,
  files: import.meta.glob(
    [
      '/node_modules/@fontsource/noto-sans-jp/files/*-700-normal.woff2',
      '!**/noto-sans-jp-japanese-*',
    ],
    { query: '?url', import: 'default', eager: true },
  ),
} satisfies FaceFiles
