import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { GlobalFonts } from '@napi-rs/canvas'
import { MEME_FONT } from '@meme-studio/meme-core'

const require = createRequire(import.meta.url)
let registered = false

/**
 * Registers the caption faces with Skia once per process, from the same @fontsource
 * files the browser loads, so preview and render measure text alike.
 */
export function registerCaptionFonts(): void {
  if (registered) return
  const files = join(dirname(require.resolve('@fontsource/anton')), 'files')
  for (const subset of ['latin', 'latin-ext', 'vietnamese']) {
    GlobalFonts.registerFromPath(join(files, `anton-${subset}-400-normal.woff2`), MEME_FONT.family)
  }
  registered = true
}
