import type { Caption } from './caption-model.ts'

/** Longest title, in characters as people see them. */
export const MEME_TITLE_MAX_LENGTH = 120
/** The title of a meme whose captions have no words. */
export const UNTITLED_MEME = 'A meme'

/**
 * The captions' text as typed, top to bottom, joined with " / ": a shared meme's page title,
 * and the source of its alt text. Capped by characters as people see them, so no emoji is
 * cut in half.
 */
export function memeTitle(captions: readonly Pick<Caption, 'text' | 'y'>[]): string {
  const joined = [...captions]
    .sort((a, b) => a.y - b.y)
    .map((caption) => caption.text.replace(/\s+/g, ' ').trim())
    .filter(Boolean)
    .join(' / ')
  if (!joined) return UNTITLED_MEME
  const graphemes = Array.from(
    new Intl.Segmenter('en', { granularity: 'grapheme' }).segment(joined),
    (part) => part.segment,
  )
  if (graphemes.length <= MEME_TITLE_MAX_LENGTH) return joined
  return `${graphemes
    .slice(0, MEME_TITLE_MAX_LENGTH - 1)
    .join('')
    .trimEnd()}…`
}

/**
 * A meme's alternative text, from its title (`memeTitle`): each caption quoted, so a screen
 * reader says what is written on the picture. The editor's result and the share page both
 * say it this way; a share keeps only its title, hence a title and not the captions.
 */
export function memeAltText(title: string): string {
  if (title === UNTITLED_MEME) return 'A meme without captions'
  return `Meme: ${title
    .split(' / ')
    .map((text) => `“${text}”`)
    .join(' / ')}`
}
