/** An emoji sticker is drawn this many pixels square: large enough for a sticker a meme wide. */
export const EMOJI_STICKER_SIZE = 512

/** Common reaction emoji offered as buttons, each with the name a screen reader says. */
export const COMMON_EMOJI: readonly { emoji: string; name: string }[] = [
  { emoji: '😂', name: 'face with tears of joy' },
  { emoji: '🤣', name: 'rolling on the floor laughing' },
  { emoji: '😭', name: 'loudly crying face' },
  { emoji: '😍', name: 'smiling face with heart-eyes' },
  { emoji: '😎', name: 'smiling face with sunglasses' },
  { emoji: '🤔', name: 'thinking face' },
  { emoji: '🙄', name: 'face with rolling eyes' },
  { emoji: '😱', name: 'face screaming in fear' },
  { emoji: '😡', name: 'enraged face' },
  { emoji: '🥺', name: 'pleading face' },
  { emoji: '😏', name: 'smirking face' },
  { emoji: '🤯', name: 'exploding head' },
  { emoji: '💀', name: 'skull' },
  { emoji: '🔥', name: 'fire' },
  { emoji: '💯', name: 'hundred points' },
  { emoji: '👍', name: 'thumbs up' },
  { emoji: '👎', name: 'thumbs down' },
  { emoji: '👀', name: 'eyes' },
  { emoji: '🙏', name: 'folded hands' },
  { emoji: '👏', name: 'clapping hands' },
  { emoji: '❤️', name: 'red heart' },
  { emoji: '✨', name: 'sparkles' },
  { emoji: '🎉', name: 'party popper' },
  { emoji: '🤡', name: 'clown face' },
]

/** Emoji fonts of the common systems, then any font that has the character. */
const EMOJI_FONT = `"Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji", "Segoe UI Symbol", sans-serif`

export type EmojiCheck = { ok: true; emoji: string } | { ok: false; message: string }

/**
 * What was typed or pasted as an emoji: exactly one character as people see it (a grapheme,
 * so flags, skin tones and families count as one), and one that is a pictograph.
 */
export function checkEmoji(text: string): EmojiCheck {
  const trimmed = text.trim()
  if (trimmed === '') return { ok: false, message: 'Type or paste an emoji first.' }
  if (!/\p{Extended_Pictographic}|\p{Regional_Indicator}/u.test(trimmed)) {
    const shown = trimmed.length > 12 ? 'That' : `“${trimmed}”`
    return { ok: false, message: `${shown} isn't an emoji. Type or paste one, like 😂.` }
  }
  const graphemes = [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(trimmed)]
  if (graphemes.length > 1) return { ok: false, message: 'One emoji at a time, please.' }
  return { ok: true, emoji: trimmed }
}

/** Draws the emoji centred on a cleared square; whether any pixel was drawn. */
function drawGlyph(
  ctx: CanvasRenderingContext2D,
  font: string,
  emoji: string,
  size: number,
): boolean {
  ctx.clearRect(0, 0, size, size)
  ctx.font = font
  ctx.textAlign = 'center'
  ctx.textBaseline = 'middle'
  // Emoji glyphs sit a little high on the middle baseline: lowered to look centred.
  ctx.fillText(emoji, size / 2, size * 0.54)
  const pixels = ctx.getImageData(0, 0, size, size).data
  // Every 97th pixel: enough to find a glyph this large, quick enough to do thrice.
  for (let i = 3; i < pixels.length; i += 4 * 97) if (pixels[i]! > 0) return true
  return false
}

/**
 * Draws `emoji` large in the system's emoji font, on a transparent square, as a PNG file.
 * Rejects with a sentence a person can read when the browser cannot draw it (no canvas, or
 * no font with the emoji: nothing was drawn).
 */
export async function drawEmojiPng(emoji: string): Promise<File> {
  const size = EMOJI_STICKER_SIZE
  const canvas = document.createElement('canvas')
  canvas.width = size
  canvas.height = size
  const ctx = canvas.getContext('2d')
  if (!ctx) throw new Error("This browser can't draw emoji stickers.")
  const font = `${Math.round(size * 0.8)}px ${EMOJI_FONT}`
  // The emoji font may not be loaded yet: a first draw can come out empty while it loads.
  await document.fonts?.load?.(font, emoji).catch(() => undefined)
  let drawn = drawGlyph(ctx, font, emoji, size)
  for (let attempt = 0; !drawn && attempt < 3; attempt++) {
    await new Promise((settled) => setTimeout(settled, 150))
    drawn = drawGlyph(ctx, font, emoji, size)
  }
  if (!drawn) throw new Error('This device has no picture for that emoji. Try another.')
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'))
  if (!blob) throw new Error("This browser can't draw emoji stickers.")
  return new File([blob], 'emoji.png', { type: 'image/png' })
}
