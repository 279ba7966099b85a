import ranges from '@fontsource/noto-sans-hebrew/unicode.json'
import type { FaceFiles } from '../caption-fonts.ts'

/** Noto Sans Hebrew's subset files and their ranges. */
export default {
  ranges,
  files: import.meta.glob('/node_modules/@fontsource/noto-sans-hebrew/files/*-700-normal.woff2', {
    query: '?url',
    import: 'default',
    eager: true,
  }),
} satisfies FaceFiles
