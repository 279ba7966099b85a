import ranges from '@fontsource/noto-serif/unicode.json'
import type { FaceFiles } from '../caption-fonts.ts'

/** Noto Serif's subset files and their ranges. */
export default {
  ranges,
  files: import.meta.glob('/node_modules/@fontsource/noto-serif/files/*-700-normal.woff2', {
    query: '?url',
    import: 'default',
    eager: true,
  }),
} satisfies FaceFiles
