import ranges from '@fontsource/anton/unicode.json'
import type { FaceFiles } from '../caption-fonts.ts'

/** Anton's subset files and their ranges. */
export default {
  ranges,
  files: import.meta.glob('/node_modules/@fontsource/anton/files/*-400-normal.woff2', {
    query: '?url',
    import: 'default',
    eager: true,
  }),
} satisfies FaceFiles
