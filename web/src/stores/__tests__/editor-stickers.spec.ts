import { CAPTION_LIMITS, STICKER_LIMITS } from '@meme-studio/meme-core'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeXhr, fakeApi, json } from '@/api/__tests__/fake-network.ts'
import { LIMITS } from '@/api/__tests__/limits-fixture.ts'
import { requestStickers, useEditorStore, type EditorCaption } from '../editor.ts'

const PNG_BYTES = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]
const pngFile = (name = 'cat.png') => {
  const bytes = new Uint8Array(4096)
  bytes.set(PNG_BYTES)
  return new File([bytes], name, { type: 'image/png' })
}
const signed = (key: string) => ({
  url: 'http://s3.test/meme-studio-uploads',
  fields: { key, 'Content-Type': 'image/png', Policy: 'eyJ', 'X-Amz-Signature': 'abc' },
  key,
  expiresAt: '2030-01-01T00:05:00.000Z',
  maxBytes: LIMITS.maxUploadBytes,
})
const RENDERED = { meme_data: btoa(String.fromCharCode(...PNG_BYTES)), meme_type: 'image/png' }

beforeEach(() => {
  setActivePinia(createPinia())
  FakeXhr.install()
  fakeApi({ '/api/limits': json(200, LIMITS) })
  // happy-dom decodes no pixels: every picture here is 800 x 600.
  vi.spyOn(HTMLImageElement.prototype, 'naturalWidth', 'get').mockReturnValue(800)
  vi.spyOn(HTMLImageElement.prototype, 'naturalHeight', 'get').mockReturnValue(600)
})

async function editorWithSticker() {
  const editor = useEditorStore()
  await editor.choosePicture(pngFile())
  editor.setCaptionText(editor.captions[0]!.id, 'top')
  editor.setCaptionText(editor.captions[1]!.id, 'bottom')
  const sticker = await editor.addStickerFromFile(pngFile('star.png'))
  expect(editor.stickerError).toBeNull()
  return { editor, sticker: sticker! }
}

describe('adding stickers', () => {
  it('a picture file becomes a sticker over every caption, where it is free, and selected', async () => {
    const { editor, sticker } = await editorWithSticker()
    expect(editor.stickers).toHaveLength(1)
    expect(sticker).toMatchObject({ width: 0.25, rotation: 0, above: 2 })
    expect(editor.selectedId).toBe(sticker.id)
    expect(editor.selectedSticker?.id).toBe(sticker.id)
    expect(editor.selectedCaption).toBeNull()
    // Not on the middle of a caption (they sit at 12 % and 88 % of the height).
    expect(Math.abs(sticker.y - 0.12)).toBeGreaterThan(0.1)
    expect(Math.abs(sticker.y - 0.88)).toBeGreaterThan(0.1)
    const asset = editor.stickerAssets.get(sticker.asset)
    expect(asset?.picture.file.name).toBe('star.png')
    // A second one goes somewhere else.
    const second = await editor.addStickerFromFile(pngFile('star.png'))
    expect(Math.hypot(second!.x - sticker.x, second!.y - sticker.y)).toBeGreaterThan(0.04)
    // Its own picture, though the file has the same name: assets never share an id.
    expect(second!.asset).not.toBe(sticker.asset)
    expect(editor.stickerAssets.size).toBe(2)
  })

  it('a file that is not a picture is refused with the picture check’s words', async () => {
    const editor = useEditorStore()
    const added = await editor.addStickerFromFile(
      new File(['hello'], 'notes.txt', { type: 'text/plain' }),
    )
    expect(added).toBeUndefined()
    expect(editor.stickers).toHaveLength(0)
    expect(editor.stickerError).toMatch(/isn't a picture we can use/)
  })

  it('an emoji is drawn to a PNG, kept as an asset with its emoji, and reused', async () => {
    const editor = useEditorStore()
    const drawn: string[] = []
    editor.drawEmoji = async (emoji) => {
      drawn.push(emoji)
      const bytes = new Uint8Array(2048)
      bytes.set(PNG_BYTES)
      return new File([bytes], 'emoji.png', { type: 'image/png' })
    }
    const first = await editor.addEmojiSticker(' 😂 ')
    expect(editor.stickerError).toBeNull()
    const asset = editor.stickerAssets.get(first!.asset)!
    expect(asset.emoji).toBe('😂')
    expect(asset.picture.type).toBe('image/png')
    expect(asset.picture.file.type).toBe('image/png')
    const again = await editor.addEmojiSticker('😂')
    expect(again!.asset).toBe(first!.asset)
    expect(drawn).toEqual(['😂'])
  })

  it('an emoji the device cannot draw, or text that is not one, is refused with a reason', async () => {
    const editor = useEditorStore()
    editor.drawEmoji = () =>
      Promise.reject(new Error('This device has no picture for that emoji. Try another.'))
    expect(await editor.addEmojiSticker('🫨')).toBeUndefined()
    expect(editor.stickerError).toBe('This device has no picture for that emoji. Try another.')
    expect(await editor.addEmojiSticker('lol')).toBeUndefined()
    expect(editor.stickerError).toMatch(/isn't an emoji/)
    expect(editor.stickers).toHaveLength(0)
  })

  it(`at most ${STICKER_LIMITS.maxStickers}: then adding does nothing`, async () => {
    const { editor } = await editorWithSticker()
    while (editor.canAddSticker) await editor.addStickerFromFile(pngFile('star.png'))
    expect(editor.stickers).toHaveLength(STICKER_LIMITS.maxStickers)
    expect(await editor.addStickerFromFile(pngFile('star.png'))).toBeUndefined()
    expect(editor.stickers).toHaveLength(STICKER_LIMITS.maxStickers)
    expect(editor.duplicateBlocker(editor.stickers[0]!.id)).toBe(
      `${STICKER_LIMITS.maxStickers} stickers at most: delete one to duplicate this.`,
    )
    expect(editor.duplicate(editor.stickers[0]!.id)).toBeUndefined()
  })
})

describe('moving, resizing and turning a sticker', () => {
  it('stays within the API’s limits', async () => {
    const { editor, sticker } = await editorWithSticker()
    editor.updateSticker(sticker.id, { x: 1.4, y: -1, width: 0.001, rotation: 270 })
    expect(editor.stickers[0]).toMatchObject({
      x: 1,
      y: 0,
      width: STICKER_LIMITS.minWidth,
      rotation: -90,
    })
    editor.updateSticker(sticker.id, { width: 7, x: Number.NaN })
    expect(editor.stickers[0]).toMatchObject({ x: 1, width: STICKER_LIMITS.maxWidth })
    editor.nudgeSticker(sticker.id, -0.25, 0.5)
    expect(editor.stickers[0]).toMatchObject({ x: 0.75, y: 0.5 })
  })

  it('a locked sticker or box does not move, resize or turn; a locked box’s text still changes', async () => {
    const { editor, sticker } = await editorWithSticker()
    editor.setLocked(sticker.id, true)
    const before = { ...editor.stickers[0]! }
    editor.updateSticker(sticker.id, { x: 0.1, width: 0.5, rotation: 45 })
    editor.nudgeSticker(sticker.id, 0.1, 0.1)
    expect(editor.stickers[0]).toEqual(before)

    const caption = editor.captions[0]!
    editor.setLocked(caption.id, true)
    const box = { x: caption.x, y: caption.y, width: caption.width, rotation: caption.rotation }
    editor.updateCaption(caption.id, { x: 0.9, width: 0.3, rotation: 30, color: '#ff0000' })
    editor.nudgeCaption(caption.id, 0.05, 0.05)
    expect(editor.captions[0]).toMatchObject({ ...box, color: '#ff0000', locked: true })
    expect(editor.setCaptionText(caption.id, 'still typed')).toBe(true)
    expect(editor.captions[0]!.text).toBe('still typed')

    editor.setLocked(sticker.id, false)
    editor.updateSticker(sticker.id, { x: 0.1 })
    expect(editor.stickers[0]!.x).toBe(0.1)
  })
})

describe('order, duplicate and delete', () => {
  it('Forward and Back move a caption past a sticker and back; a box past a box swaps them', async () => {
    const { editor, sticker } = await editorWithSticker()
    const [top, bottom] = editor.captions as [EditorCaption, EditorCaption]
    expect(editor.canMove(sticker.id, 'forward')).toBe(false)
    expect(editor.sendBackward(sticker.id)).toBe(true)
    expect(editor.stickers[0]!.above).toBe(1)
    expect(editor.sendBackward(sticker.id)).toBe(true)
    expect(editor.stickers[0]!.above).toBe(0)
    expect(editor.canMove(sticker.id, 'backward')).toBe(false)
    expect(editor.sendBackward(sticker.id)).toBe(false)
    // The bottom box is second: Back puts it first ("Text 1").
    expect(editor.sendBackward(bottom.id)).toBe(true)
    expect(editor.captions.map(({ id }) => id)).toEqual([bottom.id, top.id])
    expect(editor.bringForward(bottom.id)).toBe(true)
    expect(editor.captions.map(({ id }) => id)).toEqual([top.id, bottom.id])
    // The selection follows the item, by id.
    expect(editor.selectedId).toBe(sticker.id)
  })

  it('duplicate makes a selected, unlocked copy elsewhere, drawn right over the original', async () => {
    const { editor, sticker } = await editorWithSticker()
    editor.setLocked(sticker.id, true)
    const copy = editor.duplicate(sticker.id)!
    expect(editor.stickers.map(({ id }) => id)).toEqual([sticker.id, copy.id])
    expect(copy).toMatchObject({
      asset: sticker.asset,
      width: sticker.width,
      above: 2,
      locked: false,
    })
    expect(Math.hypot(copy.x - sticker.x, copy.y - sticker.y)).toBeGreaterThan(0.04)
    expect(editor.selectedId).toBe(copy.id)

    // A box's copy goes right after it; a sticker over it stays over both.
    editor.restore({ ...editor.snapshot(), stickers: [{ ...editor.stickers[0]!, above: 1 }] })
    const top = editor.captions[0]!
    const textCopy = editor.duplicate(top.id) as EditorCaption
    expect(editor.captions.map(({ id }) => id)).toEqual([
      top.id,
      textCopy.id,
      editor.captions[2]!.id,
    ])
    expect(textCopy).toMatchObject({ text: 'top', width: top.width, height: top.height })
    expect(textCopy.y).not.toBe(top.y)
    expect(editor.stickers[0]!.above).toBe(2)
  })

  it(`a box is not duplicated past ${CAPTION_LIMITS.maxCaptions}`, () => {
    const editor = useEditorStore()
    while (editor.canAddCaption) editor.addCaption()
    const first = editor.captions[0]!.id
    expect(editor.duplicateBlocker(first)).toMatch(/text boxes at most/)
    expect(editor.duplicate(first)).toBeUndefined()
    expect(editor.captions).toHaveLength(CAPTION_LIMITS.maxCaptions)
  })

  it('deleting a box keeps the stickers where they were among the rest', async () => {
    const { editor, sticker } = await editorWithSticker()
    editor.sendBackward(sticker.id)
    expect(editor.stickers[0]!.above).toBe(1)
    editor.removeCaption(editor.captions[0]!.id)
    expect(editor.stickers[0]!.above).toBe(0)
    editor.removeSticker(sticker.id)
    expect(editor.stickers).toHaveLength(0)
    expect(editor.selectedId).toBe(editor.captions[0]!.id)
  })
})

describe('stickers in the request', () => {
  it('requestStickers counts only rendered captions under a sticker', () => {
    const captions = [
      { id: 1, text: 'a', x: 0.5, y: 0.1 },
      { id: 2, text: '  ', x: 0.5, y: 0.5 },
      { id: 3, text: 'c', x: 0.5, y: 0.9 },
    ]
    const stickers = [
      { id: 4, asset: 'one', x: 0.2, y: 0.3, width: 0.4, above: 2 },
      { id: 5, asset: 'two', x: 0.6, y: 0.7, width: 0.1, rotation: -20, above: 3 },
    ]
    expect(requestStickers(captions, stickers, (asset) => `uploads/${asset}.png`)).toEqual([
      { image: 'uploads/one.png', x: 0.2, y: 0.3, width: 0.4, rotation: 0, above: 1 },
      { image: 'uploads/two.png', x: 0.6, y: 0.7, width: 0.1, rotation: -20, above: 2 },
    ])
  })

  it('Generate uploads each sticker picture once and sends the stickers; an edit marks it stale', async () => {
    const api = fakeApi({
      '/api/limits': json(200, LIMITS),
      '/api/sign-s3-request': [
        json(200, signed('uploads/picture.png')),
        json(200, signed('uploads/star.png')),
        json(200, signed('uploads/never.png')),
      ],
      '/api/meme': json(200, RENDERED),
    })
    const { editor, sticker } = await editorWithSticker()
    // A copy shares the picture: one upload for both.
    const copy = editor.duplicate(sticker.id)!
    editor.updateSticker(copy.id, { rotation: 30 })
    const generating = editor.generate()
    for (let count = 1; count <= 2; count++) {
      await vi.waitFor(() => expect(FakeXhr.sent).toHaveLength(count))
      FakeXhr.sent[count - 1]!.respond(204)
    }
    await generating
    expect(editor.generateError).toBeNull()
    expect(api.requestsTo('/api/sign-s3-request')).toHaveLength(2)
    const body = JSON.parse(api.requestsTo('/api/meme')[0]!.body!)
    expect(body.image).toBe('uploads/picture.png')
    expect(body.captions).toHaveLength(2)
    expect(body.stickers).toEqual([
      { image: 'uploads/star.png', x: sticker.x, y: sticker.y, width: 0.25, rotation: 0, above: 2 },
      { image: 'uploads/star.png', x: copy.x, y: copy.y, width: 0.25, rotation: 30, above: 2 },
    ])
    expect(editor.resultStale).toBe(false)

    editor.sendBackward(copy.id)
    expect(editor.resultStale).toBe(true)
    editor.bringForward(copy.id)
    expect(editor.resultStale).toBe(false)
    editor.updateSticker(sticker.id, { x: 0.3 })
    expect(editor.resultStale).toBe(true)

    // Rendered again: the sticker picture is not uploaded a second time.
    await editor.generate()
    expect(api.requestsTo('/api/sign-s3-request')).toHaveLength(2)
    expect(JSON.parse(api.requestsTo('/api/meme')[1]!.body!).stickers[0].x).toBe(0.3)
  })

  it('without stickers the request has no stickers field; captions stay required', async () => {
    const editor = useEditorStore()
    await editor.choosePicture(pngFile())
    for (const entry of editor.captions) editor.setCaptionText(entry.id, '')
    await editor.addStickerFromFile(pngFile('star.png'))
    expect(editor.generateBlocker).toBe('Write some text to generate your meme.')
    expect(editor.canGenerate).toBe(false)
  })
})
