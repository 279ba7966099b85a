import { describe, expect, it } from 'vitest'
import { FILENAME_STEM_MAX, memeFilename } from '../meme-image.ts'

describe('memeFilename', () => {
  it('names a meme from its captions, lower-case words joined by hyphens', () => {
    expect(memeFilename(['WHEN THE GALLERY', 'just works!'], 'image/png')).toBe(
      'when-the-gallery-just-works.png',
    )
    expect(memeFilename(['Top'], 'image/jpeg')).toBe('top.jpg')
    expect(memeFilename(['Top'], 'image/webp')).toBe('top.webp')
    expect(memeFilename(['Top'], 'image/gif')).toBe('top.gif')
  })

  it('keeps ASCII letters and digits only: accents dropped, the rest a separator', () => {
    expect(memeFilename(['Été à Paris', 'Ça   va?'], 'image/jpeg')).toBe('ete-a-paris-ca-va.jpg')
    expect(memeFilename(['line one\nline two', '50% off — 2 days'], 'image/png')).toBe(
      'line-one-line-two-50-off-2-days.png',
    )
    expect(memeFilename(['../../etc/passwd', 'C:\\con <x>'], 'image/png')).toBe(
      'etc-passwd-c-con-x.png',
    )
  })

  it('is `meme` when the captions give no word', () => {
    expect(memeFilename([], 'image/jpeg')).toBe('meme.jpg')
    expect(memeFilename(['', '   '], 'image/png')).toBe('meme.png')
    expect(memeFilename(['😂🔥', 'ざわざわ', '!!!'], 'image/webp')).toBe('meme.webp')
  })

  it('cuts a long name at a word, within the limit', () => {
    const name = memeFilename(
      ['one does not simply walk into mordor without a proper meme generator'],
      'image/jpeg',
    )
    expect(name).toBe('one-does-not-simply-walk-into-mordor-without-a.jpg')
    expect(name.length - '.jpg'.length).toBeLessThanOrEqual(FILENAME_STEM_MAX)
    // One word longer than the limit is cut inside the word.
    expect(memeFilename(['a'.repeat(300)], 'image/png')).toBe(`${'a'.repeat(50)}.png`)
  })
})
