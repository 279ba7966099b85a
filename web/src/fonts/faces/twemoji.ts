import type { FaceFiles } from '../caption-fonts.ts'

/** Twemoji's one file; meme-core gives its range. */
export default {
  files: import.meta.glob('/node_modules/twemoji-colr-font/twemoji.woff2', {
    query: '?url',
    import: 'default',
    eager: true,
  }),
} satisfies FaceFiles
