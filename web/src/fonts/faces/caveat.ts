import ranges from '@fontsource/caveat/unicode.json'
import type { FaceFiles } from '../caption-fonts.ts'

/** Caveat's subset files and their ranges. */
export default {
  ranges,
  files: import.meta.glob('/node_modules/@fontsource/caveat/files/*-700-normal.woff2', {
    query: '?url',
    import: 'default',
    eager: true,
  }),
} satisfies FaceFiles
