import {
  CAPTION_DEFAULTS,
  CAPTION_FONTS,
  CAPTION_LIMITS,
  captionText,
  hasPictureEdits,
  layoutCaption,
  outputSize,
  planPictureEdits,
  STARTING_CAPTION_BOXES,
  STICKER_LIMITS,
  templateImagePath,
  type Caption,
  type CaptionLayout,
  type ImageSize,
  type ImageType,
  type MeasureText,
  type PictureEdits,
  type Sticker,
} from '@meme-studio/meme-core'
import type {
  LayoutResult,
  MemeRequest,
  Template,
  TemplateCreated,
} from '@meme-studio/meme-core/schema'
import { defineStore } from 'pinia'
import { computed, ref, shallowRef, watch } from 'vue'
import { failureSentence, UserFacingError } from '@/api/failure-messages.ts'
import { renderMeme, signUpload } from '@/api/meme-api.ts'
import { uploadToS3 } from '@/api/s3-upload.ts'
import { fetchTemplate, fetchTemplatePicture, saveTemplate } from '@/api/template-api.ts'
import { clampBox, normalizeRotation, nudgeBox, type CaptionBox } from '@/editor/box-geometry.ts'
import { checkEmoji, drawEmojiPng } from '@/editor/emoji-sticker.ts'
import { moveLayer, renderedAbove, type LayerDirection } from '@/editor/layers.ts'
import {
  mirrored,
  turned,
  withBands,
  withCrop,
  type Bands,
  type CropRect,
} from '@/editor/picture-edits.ts'
import { measureCanvasText } from '@/editor/text-measure.ts'
import { memeImageFromBase64, releaseMemeImage, type MemeImage } from '@/meme/meme-image.ts'
import {
  checkPictureDimensions,
  checkPictureFile,
  tooLargeMessage,
  uploadFilename,
} from '@/picture/picture-check.ts'
import { decodePicture, releasePicture, type Picture } from '@/picture/picture-decode.ts'
import { useLimitsStore } from './limits.ts'

/** A caption box in the editor: the caption the API gets, and an id to key it by. */
export interface EditorCaption extends Caption {
  id: number
  /** Locked: its place and size cannot be changed by dragging. Not sent to the API. */
  locked?: boolean
}

/**
 * A sticker in the editor: the API's sticker, with its picture named by `asset` (uploaded
 * when the meme is generated) and its place among the captions given by `above`.
 */
export interface EditorSticker extends Omit<Sticker, 'image' | 'above'> {
  id: number
  /** The `StickerAsset` it shows. */
  asset: string
  /** How many of the captions (the first ones) it is drawn over. */
  above: number
  /** Locked: its place and size cannot be changed by dragging. */
  locked?: boolean
}

/** A sticker's picture: a second upload, or an emoji drawn as a picture. Never changes. */
export interface StickerAsset {
  id: string
  picture: Picture
  /** The emoji it was drawn from, if any. */
  emoji?: string
}

/**
 * Everything an edit can change, as plain data: what undo/redo steps through and a draft
 * keeps. The picture itself is not in it: choosing another picture starts a new document.
 */
export interface EditorDocument {
  captions: EditorCaption[]
  stickers: EditorSticker[]
  edits: PictureEdits
  format: OutputFormat | undefined
}

/** What a box's style controls may change: everything but the text. */
export type CaptionChange = Partial<Omit<Caption, 'text'>>

export type OutputFormat = NonNullable<MemeRequest['format']>

export const OUTPUT_FORMATS: readonly { value: OutputFormat; label: string }[] = [
  { value: 'jpeg', label: 'JPEG' },
  { value: 'png', label: 'PNG' },
  { value: 'webp', label: 'WebP' },
]

export type GeneratePhase = 'idle' | 'uploading' | 'rendering'

/**
 * The template the picture came from, as it was loaded: Generate names it instead of
 * uploading, and "Copy image link" compares the boxes with these.
 */
export interface ChosenTemplate {
  id: string
  version: number
  name: string
  boxes: Caption[]
}

/** What "Save as template" asks for; tags as typed, comma-separated. */
export interface TemplateDetails {
  name: string
  tags: string
  source: string
}

/**
 * The image URL formats by the type a render came back in. An animated GIF renders as GIF,
 * which no image URL makes (a URL over it draws a still first frame): it has none.
 */
const URL_FORMATS: Record<ImageType, 'png' | 'jpeg' | 'webp' | undefined> = {
  'image/png': 'png',
  'image/jpeg': 'jpeg',
  'image/webp': 'webp',
  'image/gif': undefined,
}

/** Tags as typed (`cats, Reaction,, cats`): trimmed, lower-cased, once each, in order. */
export function parseTags(text: string): string[] {
  const tags = text
    .split(',')
    .map((tag) => tag.trim().toLowerCase())
    .filter((tag) => tag !== '')
  return [...new Set(tags)]
}

/** Until a picture is chosen the captions show on a stand-in of a common photo shape. */
export const PLACEHOLDER_SIZE: ImageSize = { width: 1200, height: 900 }

/** Where "Add text" puts a box: the middle, a little lower for each box already there. */
const ADDED_BOX: CaptionBox = { x: 0.5, y: 0.5, width: 0.8, height: 0.2, rotation: 0 }
/** The grid an added box's centre is tried on, outward from the middle of the picture. */
const ADDED_BOX_STEP = 0.05
/** Closer than this to another box's centre, a box would look stacked on it. */
const STACKED_WITHIN = 0.04

interface Extent {
  left: number
  right: number
  top: number
  bottom: number
}

/** The picture share a box covers, rotation included, on a picture of `aspect` (w / h). */
function extentOf(box: CaptionBox, aspect: number): Extent {
  const angle = (box.rotation * Math.PI) / 180
  const cos = Math.abs(Math.cos(angle))
  const sin = Math.abs(Math.sin(angle))
  // Rotation happens in pixels: width in picture widths, height in picture heights.
  const halfWidth = (box.width * cos + (box.height * sin) / aspect) / 2
  const halfHeight = (box.height * cos + box.width * sin * aspect) / 2
  return {
    left: box.x - halfWidth,
    right: box.x + halfWidth,
    top: box.y - halfHeight,
    bottom: box.y + halfHeight,
  }
}

function overlapArea(a: Extent, b: Extent): number {
  const width = Math.min(a.right, b.right) - Math.max(a.left, b.left)
  const height = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top)
  // Boxes that only touch do not overlap, whatever the rounding of their edges.
  return width > 1e-9 && height > 1e-9 ? width * height : 0
}

/** 0.5, 0.45, 0.55, 0.4, … within [low, high], nearest the middle first. */
function outwardFromMiddle(low: number, high: number): number[] {
  const steps: number[] = []
  for (let offset = 0; offset <= 0.5 + 1e-9; offset += ADDED_BOX_STEP) {
    for (const value of offset === 0 ? [0.5] : [0.5 - offset, 0.5 + offset]) {
      const rounded = Math.round(value * 100) / 100
      if (rounded >= low - 1e-9 && rounded <= high + 1e-9) steps.push(rounded)
    }
  }
  return steps
}

/**
 * Where a new box goes: wholly inside the picture, covering no other box where there is room,
 * else as little of them as it can and never centred on one, nearest the middle. `aspect` is
 * the picture's width over its height.
 */
export function placeAddedBox(
  boxes: readonly CaptionBox[],
  aspect = 1,
  shape: CaptionBox = ADDED_BOX,
): CaptionBox {
  const others = boxes.map((box) => ({ centre: box, extent: extentOf(box, aspect) }))
  const half = { x: Math.min(0.5, shape.width / 2), y: Math.min(0.5, shape.height / 2) }
  let best: { box: CaptionBox; cost: number } | undefined
  for (const y of outwardFromMiddle(half.y, 1 - half.y)) {
    for (const x of outwardFromMiddle(half.x, 1 - half.x)) {
      const box = { ...shape, x, y }
      const extent = extentOf(box, aspect)
      const stacked = others.some(
        ({ centre }) => Math.hypot(centre.x - x, centre.y - y) < STACKED_WITHIN,
      )
      // A stacked place costs more than any overlap can (areas stay under 1 per box).
      const cost =
        others.reduce((sum, other) => sum + overlapArea(extent, other.extent), 0) +
        (stacked ? others.length : 0)
      if (cost === 0) return box
      if (best === undefined || cost < best.cost - 1e-9) best = { box, cost }
    }
  }
  return best?.box ?? { ...shape, x: 0.5, y: 0.5 }
}

/** A pause in editing this long, after a result exists, re-renders it. */
export const REFRESH_AFTER_MS = 800

/** Arrow keys move a box by this share of the picture; with Shift, by the larger one. */
export const NUDGE_STEP = 0.01
export const NUDGE_STEP_LARGE = 0.05

export const TEXT_DOES_NOT_FIT = 'Too much text for this box — make it bigger or the text shorter.'

const UNREADABLE_PICTURE =
  "We couldn't open that picture; it may be damaged. Choose another JPEG, PNG, WebP or GIF."

const COLOUR = /^#[0-9a-f]{6}$/i

// The API refuses control characters but the line break (the others have no glyph): pasted
// line breaks of any platform become `\n`, and a tab or another control character a space, so
// the words on either side of it stay apart.
const LINE_BREAKS = /\r\n?/g
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g

export function cleanCaptionText(text: string): string {
  return text
    .replace(LINE_BREAKS, '\n')
    .replace(CONTROL_CHARACTERS, ' ')
    .slice(0, CAPTION_LIMITS.maxTextLength)
}

/** What a box is called in the editor, from its place in the list. */
export function captionLabel(index: number): string {
  return `Text ${index + 1}`
}

/** The caption as the API takes it. */
export function withoutId({ id: _id, locked: _locked, ...caption }: EditorCaption): Caption {
  return caption
}

/** A copy sharing nothing with `document`, for history and drafts. */
export function copyDocument(document: EditorDocument): EditorDocument {
  return {
    captions: document.captions.map((caption) => ({ ...caption })),
    stickers: document.stickers.map((sticker) => ({ ...sticker })),
    edits: {
      ...document.edits,
      ...(document.edits.crop ? { crop: { ...document.edits.crop } } : {}),
    },
    format: document.format,
  }
}

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value))

/** A change to a box's style kept within what the API accepts; invalid values are dropped. */
function acceptedChange(caption: Caption, change: CaptionChange): CaptionChange {
  const accepted: CaptionChange = { ...change }
  if (['x', 'y', 'width', 'height', 'rotation'].some((key) => key in change)) {
    Object.assign(accepted, clampBox({ ...boxOf(caption), ...pickBox(change) }))
  }
  if (change.scale !== undefined) {
    accepted.scale = clamp(change.scale, CAPTION_LIMITS.minScale, CAPTION_LIMITS.maxScale)
  }
  if (change.strokeWidth !== undefined) {
    accepted.strokeWidth = clamp(change.strokeWidth, 0, CAPTION_LIMITS.maxStrokeWidth)
  }
  for (const key of ['color', 'strokeColor'] as const) {
    const colour = change[key]
    if (colour !== undefined && !COLOUR.test(colour)) delete accepted[key]
  }
  if (change.font !== undefined && !(change.font in CAPTION_FONTS)) delete accepted.font
  return accepted
}

function pickBox(change: CaptionChange): Partial<CaptionBox> {
  const box: Partial<CaptionBox> = {}
  for (const key of ['x', 'y', 'width', 'height', 'rotation'] as const) {
    const value = change[key]
    if (typeof value === 'number' && Number.isFinite(value)) box[key] = value
  }
  return box
}

/** What a sticker's move, resize and rotate may change. */
export type StickerChange = Partial<Pick<EditorSticker, 'x' | 'y' | 'width' | 'rotation'>>

/** Where "Add sticker" puts a sticker: a quarter of the picture wide, where it is free. */
const ADDED_STICKER_WIDTH = 0.25

/** What a sticker is called in the editor, from its place in `stickersInAddedOrder`. */
export function stickerLabel(index: number): string {
  return `Sticker ${index + 1}`
}

/**
 * Stickers in the order they were added (ids only grow), which names them: moving one
 * forward or back reorders the list but never renames it.
 */
export function stickersInAddedOrder<S extends { id: number }>(stickers: readonly S[]): S[] {
  return [...stickers].sort((a, b) => a.id - b.id)
}

/**
 * A sticker's box as the overlay and placement see it: its height, in picture heights, from
 * its picture's shape (`shape` = width / height) and the picture's (`aspect`).
 */
export function stickerBox(
  sticker: Pick<EditorSticker, 'x' | 'y' | 'width' | 'rotation'>,
  shape: number,
  aspect: number,
): CaptionBox {
  return {
    x: sticker.x,
    y: sticker.y,
    width: sticker.width,
    height: (sticker.width * aspect) / shape,
    rotation: sticker.rotation ?? 0,
  }
}

/** A sticker change kept within what the API accepts; values that are not numbers dropped. */
function acceptedStickerChange(change: StickerChange): StickerChange {
  const accepted: StickerChange = {}
  const round = (value: number) => Math.round(value * 1e5) / 1e5
  const finite = (value: number | undefined): value is number =>
    typeof value === 'number' && Number.isFinite(value)
  if (finite(change.x)) accepted.x = round(clamp(change.x, 0, 1))
  if (finite(change.y)) accepted.y = round(clamp(change.y, 0, 1))
  if (finite(change.width)) {
    accepted.width = round(clamp(change.width, STICKER_LIMITS.minWidth, STICKER_LIMITS.maxWidth))
  }
  if (finite(change.rotation)) accepted.rotation = round(normalizeRotation(change.rotation))
  return accepted
}

/**
 * The stickers as the API takes them, each picture named by `keyOf(asset)` (its upload key,
 * or for comparing, the asset's id). `above` counts only the captions that are rendered:
 * empty ones are left out of the request.
 */
export function requestStickers(
  captions: readonly EditorCaption[],
  stickers: readonly EditorSticker[],
  keyOf: (asset: string) => string,
): Sticker[] {
  const rendered = captions.map((entry) => entry.text.trim() !== '')
  return stickers.map((sticker) => ({
    image: keyOf(sticker.asset),
    x: sticker.x,
    y: sticker.y,
    width: sticker.width,
    rotation: sticker.rotation ?? 0,
    above: renderedAbove(sticker.above, rendered),
  }))
}

/** The box of a caption, with the editor's defaults for what it leaves unset. */
export function boxOf(caption: Caption): CaptionBox {
  return {
    x: caption.x,
    y: caption.y,
    width: caption.width ?? CAPTION_DEFAULTS.width,
    height: caption.height ?? ADDED_BOX.height,
    rotation: caption.rotation ?? CAPTION_DEFAULTS.rotation,
  }
}

export const useEditorStore = defineStore('editor', () => {
  const limitsStore = useLimitsStore()

  let nextCaptionId = 1
  const newCaption = (box: CaptionBox): EditorCaption => ({ id: nextCaptionId++, text: '', ...box })

  const captions = ref<EditorCaption[]>(STARTING_CAPTION_BOXES.map(newCaption))
  const stickers = ref<EditorSticker[]>([])
  /** Sticker pictures by id; kept for the session, so undo can bring a sticker back. */
  const stickerAssets = shallowRef(new Map<string, StickerAsset>())
  /** Crop, rotation, mirroring and bands, applied to the picture before captions. */
  const edits = ref<PictureEdits>({})
  const selectedId = ref<number | null>(captions.value[0]?.id ?? null)
  const format = ref<OutputFormat | undefined>()
  /** The box whose last edit was refused for not fitting, until it is edited again. */
  const refusedId = ref<number | null>(null)

  const picture = shallowRef<Picture | null>(null)
  const pictureError = ref<string | null>(null)
  const openingPicture = ref(false)
  const phase = ref<GeneratePhase>('idle')
  const uploadPercent = ref(0)
  const generateError = ref<string | null>(null)
  const meme = shallowRef<MemeImage | null>(null)
  const renderedRequest = shallowRef<MemeRequest | null>(null)
  /** The `/api/images/…` path that draws the meme on show, when one does. */
  const renderedImagePath = ref<string | undefined>()
  const template = shallowRef<ChosenTemplate | null>(null)
  /** The template being opened, so the gallery can show which tile is busy. */
  const openingTemplateId = ref<string | null>(null)
  /** The template `pictureError` is about, to try again; null when it is about a file. */
  const failedTemplate = shallowRef<Template | null>(null)

  /** How text is measured to decide whether it fits; tests put a fake here. */
  const measureText = shallowRef<MeasureText>(measureCanvasText)
  /** Bumped when fonts finish loading: text measured before then had a stand-in's widths. */
  const fontsLoaded = ref(0)
  if (typeof document !== 'undefined') {
    document.fonts?.addEventListener?.('loadingdone', () => (fontsLoaded.value += 1))
  }

  /** The picture scaled as the server renders it: captions are laid out on these pixels. */
  const renderSize = computed(() =>
    outputSize(
      picture.value ? planPictureEdits(picture.value, edits.value).size : PLACEHOLDER_SIZE,
      limitsStore.limits.maxEdge,
    ),
  )

  /** Uploaded pictures in S3, so new captions on the same picture skip the upload. */
  let uploaded: { file: File; key: string } | undefined
  /** Only the latest chosen file may become the picture. */
  let pictureRequest = 0

  function layoutOf(caption: Caption): CaptionLayout {
    return layoutCaption(caption, renderSize.value, measureText.value)
  }

  const layouts = computed(() => {
    void fontsLoaded.value
    return new Map(captions.value.map((entry) => [entry.id, layoutOf(withoutId(entry))]))
  })
  /** Boxes whose text does not fit even at the smallest size; the server would refuse them. */
  const overflowingIds = computed(() =>
    captions.value.filter((entry) => layouts.value.get(entry.id)?.overflows).map(({ id }) => id),
  )
  const selectedCaption = computed(
    () => captions.value.find((entry) => entry.id === selectedId.value) ?? null,
  )
  const canAddCaption = computed(() => captions.value.length < CAPTION_LIMITS.maxCaptions)
  const selectedSticker = computed(
    () => stickers.value.find((entry) => entry.id === selectedId.value) ?? null,
  )
  const canAddSticker = computed(() => stickers.value.length < STICKER_LIMITS.maxStickers)
  /** A sticker being checked and decoded, and why the last one was refused. */
  const addingSticker = ref(false)
  const stickerError = ref<string | null>(null)
  /** How an emoji becomes a picture file; tests put a fake here (happy-dom has no canvas). */
  const drawEmoji = shallowRef<(emoji: string) => Promise<File>>(drawEmojiPng)

  const captionsToRender = computed<Caption[]>(() =>
    captions.value
      .map((entry) => ({ ...withoutId(entry), text: entry.text.trim() }))
      .filter((caption) => caption.text !== ''),
  )
  const busy = computed(() => phase.value !== 'idle')

  /** Why Generate is unavailable, in words; undefined when it is ready. */
  const generateBlocker = computed(() => {
    const hasText = captionsToRender.value.length > 0
    if (!picture.value && !hasText) return 'Choose a picture and write a caption to begin.'
    if (!picture.value) return 'Choose a picture to go with your caption.'
    if (!hasText) return 'Write some text to generate your meme.'
    const overflowing = captions.value.findIndex((entry) => overflowingIds.value.includes(entry.id))
    if (overflowing !== -1) {
      return `${captionLabel(overflowing)} has too much text for its box — make the box bigger or the text shorter.`
    }
    return undefined
  })
  const canGenerate = computed(
    () => !busy.value && !openingPicture.value && generateBlocker.value === undefined,
  )

  /** The request behind the meme on show: what a share link needs to make it again. */
  const lastRequest = computed(() => renderedRequest.value)

  /**
   * What Generate would render now, as text to compare: the picture, its edits, the captions
   * (text, place and style) and the format. The picture is told apart by its template, or
   * else by the chosen file.
   */
  const boxesSignature = computed(() =>
    JSON.stringify({
      template: template.value?.id ?? null,
      edits: hasPictureEdits(edits.value) ? edits.value : null,
      captions: captionsToRender.value,
      stickers: requestStickers(captions.value, stickers.value, (asset) => asset),
      format: format.value ?? null,
    }),
  )
  /** The signature and picture of the meme on show, set when it is shown. */
  const renderedSignature = ref<string | null>(null)
  const renderedPicture = shallowRef<Picture | null>(null)
  /** The meme on show no longer matches the boxes: it must not be handed out as current. */
  const resultStale = computed(
    () =>
      meme.value !== null &&
      (renderedSignature.value !== boxesSignature.value || renderedPicture.value !== picture.value),
  )
  /** Why an out-of-date result cannot be re-rendered yet, in words; undefined when it can. */
  const staleReason = computed(() => (resultStale.value ? generateBlocker.value : undefined))
  /** A re-render of an out-of-date result failed; cleared by the next edit or render. */
  const refreshError = ref<string | null>(null)

  const find = (id: number) => captions.value.find((entry) => entry.id === id)
  const findSticker = (id: number) => stickers.value.find((entry) => entry.id === id)

  /**
   * Sets a box's text, unless the text would not fit the box even at the smallest size:
   * then the text stays as it was, `refusedId` says so, and this returns false. Deleting
   * is always allowed, so a box that overflows can be mended.
   */
  function setCaptionText(id: number, text: string): boolean {
    const entry = find(id)
    if (!entry) return false
    const next = cleanCaptionText(text)
    const candidate = { ...withoutId(entry), text: next }
    const shorter = captionText(candidate).length < captionText(entry).length
    if (!shorter && layoutOf(candidate).overflows) {
      refusedId.value = id
      return false
    }
    entry.text = next
    if (refusedId.value === id) refusedId.value = null
    return true
  }

  /** Changes a box's place, size or style, kept within what the API accepts. */
  function updateCaption(id: number, change: CaptionChange): void {
    const entry = find(id)
    if (!entry) return
    const accepted = acceptedChange(entry, change)
    // A locked box keeps its place, size and turn; its text and style still change.
    if (entry.locked)
      for (const key of ['x', 'y', 'width', 'height', 'rotation'] as const) delete accepted[key]
    Object.assign(entry, accepted)
    if (refusedId.value === id) refusedId.value = null
  }

  function nudgeCaption(id: number, dx: number, dy: number): void {
    const entry = find(id)
    if (entry && !entry.locked) Object.assign(entry, nudgeBox(boxOf(entry), dx, dy))
  }

  /**
   * Adds an empty box where it is free (see `placeAddedBox`) and selects it; undefined when
   * there are enough.
   */
  function addCaption(): EditorCaption | undefined {
    if (!canAddCaption.value) return undefined
    const shown = picture.value
    const aspect = shown && shown.height > 0 ? shown.width / shown.height : 1
    const added = newCaption(placeAddedBox(captions.value.map(boxOf), aspect))
    captions.value.push(added)
    selectedId.value = added.id
    return captions.value.at(-1)
  }

  /** Removes a box; the one after it (or else before it) becomes the selected one. */
  function removeCaption(id: number): void {
    const index = captions.value.findIndex((entry) => entry.id === id)
    if (index === -1) return
    captions.value.splice(index, 1)
    // Stickers over the removed box and those after it stay where they were among the rest.
    for (const sticker of stickers.value) if (sticker.above > index) sticker.above -= 1
    if (refusedId.value === id) refusedId.value = null
    if (selectedId.value === id) {
      selectedId.value = (captions.value[index] ?? captions.value[index - 1])?.id ?? null
    }
  }

  /** Selects a caption or a sticker (ids are shared), or nothing. */
  function selectCaption(id: number | null): void {
    selectedId.value = id !== null && (find(id) || findSticker(id)) ? id : null
  }

  function setFormat(next: OutputFormat | undefined): void {
    format.value = next
  }

  // Picture edits act on the picture as shown: see `turned` and `mirrored` for how a turn
  // after a mirror is kept in the order the server applies them. Captions stay where they
  // are, in fractions of the edited picture.
  function rotateRight(): void {
    edits.value = turned(edits.value, 90)
  }

  function rotateLeft(): void {
    edits.value = turned(edits.value, -90)
  }

  function flipHorizontal(): void {
    edits.value = mirrored(edits.value, 'horizontal')
  }

  function flipVertical(): void {
    edits.value = mirrored(edits.value, 'vertical')
  }

  /** The part kept, in fractions of the rotated and mirrored picture; undefined keeps all. */
  function setCrop(crop: CropRect | undefined): void {
    edits.value = withCrop(edits.value, crop)
  }

  /** Space above and below (fractions of the cropped picture's height) and its colour. */
  function setBands(bands: Partial<Bands>): void {
    edits.value = withBands(edits.value, bands)
  }

  function resetEdits(): void {
    edits.value = {}
  }

  function showMeme(
    next: MemeImage | null,
    request: MemeRequest | null = null,
    imagePath?: string,
    signature: string | null = null,
  ): void {
    if (meme.value) releaseMemeImage(meme.value)
    meme.value = next
    renderedRequest.value = request
    renderedImagePath.value = imagePath
    renderedSignature.value = signature
    renderedPicture.value = next ? picture.value : null
  }

  function adoptPicture(next: Picture): void {
    if (picture.value) releasePicture(picture.value)
    picture.value = next
    uploaded = undefined
    template.value = null
    // A crop or a turn was for the picture before: the new one starts as it is.
    edits.value = {}
    generateError.value = null
    showMeme(null)
  }

  /**
   * Puts a template's boxes in place of the current ones. Text already typed moves into the
   * new boxes in order, where it fits.
   */
  function useBoxes(boxes: readonly Caption[]): void {
    const typed = captions.value.map((entry) => entry.text).filter((text) => text.trim() !== '')
    captions.value = boxes.map((box) => ({ ...box, text: '', id: nextCaptionId++ }))
    refusedId.value = null
    captions.value.forEach((entry, index) => {
      const text = typed[index]
      if (text !== undefined) setCaptionText(entry.id, text)
    })
    selectedId.value = captions.value[0]?.id ?? null
  }

  /**
   * Checks and decodes a chosen file (a picture or a sticker): its type, bytes and size, then
   * its dimensions. A refusal comes back as a sentence; undefined when `isLatest` says another
   * file took its place meanwhile.
   */
  async function openPictureFile(
    file: File,
    isLatest: () => boolean,
  ): Promise<{ picture: Picture } | { message: string } | undefined> {
    const limits = await limitsStore.load()
    const check = await checkPictureFile(file, limits)
    if (!isLatest()) return undefined
    if (!check.ok) return { message: check.message }
    let decoded: Picture
    try {
      decoded = await decodePicture(file, check.type)
    } catch {
      return isLatest() ? { message: UNREADABLE_PICTURE } : undefined
    }
    const size = checkPictureDimensions(decoded.width, decoded.height, limits)
    if (!isLatest() || !size.ok) {
      releasePicture(decoded)
      return isLatest() && !size.ok ? { message: size.message } : undefined
    }
    return { picture: decoded }
  }

  /** Checks, decodes and adopts a file; a refusal is explained in `pictureError`. */
  async function choosePicture(file: File): Promise<void> {
    if (busy.value) return
    const request = ++pictureRequest
    const isLatest = () => request === pictureRequest
    pictureError.value = null
    failedTemplate.value = null
    openingPicture.value = true
    try {
      const opened = await openPictureFile(file, isLatest)
      if (!opened) return
      if ('message' in opened) pictureError.value = opened.message
      else adoptPicture(opened.picture)
    } finally {
      if (isLatest()) openingPicture.value = false
    }
  }

  /** Checks and decodes a template's picture; undefined (and `pictureError` set) if refused. */
  async function decodeTemplatePicture(
    blob: Blob,
    name: string,
    isLatest: () => boolean,
  ): Promise<Picture | undefined> {
    const limits = await limitsStore.load()
    const check = await checkPictureFile(blob, limits)
    if (!isLatest()) return undefined
    if (!check.ok) {
      pictureError.value = check.message
      return undefined
    }
    const extension = check.type === 'image/jpeg' ? 'jpg' : check.type.slice('image/'.length)
    const file = new File([blob], `${name}.${extension}`, { type: check.type })
    let decoded: Picture
    try {
      decoded = await decodePicture(file, check.type)
    } catch {
      if (isLatest()) pictureError.value = UNREADABLE_PICTURE
      return undefined
    }
    if (!isLatest()) {
      releasePicture(decoded)
      return undefined
    }
    return decoded
  }

  /**
   * Opens a template: its picture becomes the picture, its boxes the boxes, ready to type.
   * A picture URL past its hour is refused by storage: the template is asked for again, with
   * fresh URLs, once.
   */
  async function chooseTemplate(chosen: Template): Promise<boolean> {
    if (busy.value) return false
    const request = ++pictureRequest
    const isLatest = () => request === pictureRequest
    pictureError.value = null
    failedTemplate.value = null
    openingPicture.value = true
    openingTemplateId.value = chosen.id
    try {
      let current = chosen
      let blob: Blob
      try {
        blob = await fetchTemplatePicture(current.imageUrl)
      } catch (error) {
        if (!(error instanceof UserFacingError && error.code === 'PICTURE_REFUSED')) throw error
        current = await fetchTemplate(chosen.id)
        if (!isLatest()) return false
        blob = await fetchTemplatePicture(current.imageUrl)
      }
      if (!isLatest()) return false
      const decoded = await decodeTemplatePicture(blob, current.id, isLatest)
      if (!decoded) {
        if (isLatest()) failedTemplate.value = chosen
        return false
      }
      adoptPicture(decoded)
      useBoxes(current.boxes)
      template.value = {
        id: current.id,
        version: current.version,
        name: current.name,
        boxes: current.boxes.map((box) => ({ ...box })),
      }
      return true
    } catch (error) {
      if (isLatest()) {
        failedTemplate.value = chosen
        pictureError.value = failureSentence(error)
      }
      return false
    } finally {
      if (isLatest()) {
        openingPicture.value = false
        openingTemplateId.value = null
      }
    }
  }

  /**
   * A layout's pictures, composed into one upload by the server: it becomes the picture, with
   * the layout template's boxes, and Generate sends its key like any upload's.
   */
  async function chooseComposedPicture(result: LayoutResult, layout: Template): Promise<boolean> {
    if (busy.value) return false
    const request = ++pictureRequest
    const isLatest = () => request === pictureRequest
    pictureError.value = null
    openingPicture.value = true
    try {
      const blob = await fetchTemplatePicture(result.imageUrl)
      if (!isLatest()) return false
      const decoded = await decodeTemplatePicture(blob, layout.id, isLatest)
      if (!decoded) return false
      adoptPicture(decoded)
      uploaded = { file: decoded.file, key: result.key }
      useBoxes(layout.boxes)
      return true
    } catch (error) {
      if (isLatest()) pictureError.value = failureSentence(error)
      return false
    } finally {
      if (isLatest()) openingPicture.value = false
    }
  }

  /** "Upload your own": the picture is no longer a template's. */
  function forgetTemplate(): void {
    template.value = null
  }

  function clearPictureError(): void {
    pictureError.value = null
    failedTemplate.value = null
  }

  /** A picture's file through the signed upload, with progress; returns its key. */
  async function uploadFile(chosen: Picture): Promise<string> {
    phase.value = 'uploading'
    uploadPercent.value = 0
    const signed = await signUpload(uploadFilename(chosen.file.name, chosen.type), chosen.type)
    if (chosen.file.size > signed.maxBytes) {
      throw new UserFacingError(tooLargeMessage(chosen.file.size, signed.maxBytes), 'TOO_LARGE')
    }
    await uploadToS3(signed, chosen.file, (percent) => (uploadPercent.value = percent))
    return signed.key
  }

  /** Uploads the picture (once, whatever it came from) and returns its key. */
  async function uploadPicture(chosen: Picture): Promise<string> {
    if (uploaded?.file === chosen.file) return uploaded.key
    const key = await uploadFile(chosen)
    uploaded = { file: chosen.file, key }
    return key
  }

  /** Sticker pictures in S3 by asset id: each is uploaded once, however often it is used. */
  let uploadedStickers = new Map<string, string>()

  /** Uploads each sticker picture not yet uploaded; returns the keys by asset id. */
  async function uploadStickers(used: readonly EditorSticker[]): Promise<Map<string, string>> {
    for (const assetId of new Set(used.map(({ asset }) => asset))) {
      if (uploadedStickers.has(assetId)) continue
      const asset = stickerAssets.value.get(assetId)
      if (!asset)
        throw new UserFacingError('A sticker’s picture is missing: delete it and add it again.')
      uploadedStickers.set(assetId, await uploadFile(asset.picture))
    }
    return uploadedStickers
  }

  /** The render under way, so that there is never more than one. */
  let inFlight: Promise<void> | undefined
  let refreshTimer: ReturnType<typeof setTimeout> | undefined

  /** Uploads the picture (once), renders the captions on the server and shows the result. */
  function generate(): Promise<void> {
    if (inFlight) return inFlight
    if (!picture.value || !canGenerate.value) return Promise.resolve()
    clearTimeout(refreshTimer)
    refreshTimer = undefined
    const rendering = render().finally(() => {
      inFlight = undefined
      // An edit made while this rendered left the answer out of date: render the edit next.
      if (resultStale.value && !refreshError.value && !generateError.value) scheduleRefresh()
    })
    inFlight = rendering
    return rendering
  }

  async function render(): Promise<void> {
    const chosen = picture.value
    if (!chosen) return
    const signature = boxesSignature.value
    const refreshing = meme.value !== null
    const captionsRequested = captionsToRender.value
    const captionsNow = captions.value.map((entry) => ({ ...entry }))
    const stickersRequested = stickers.value.map((entry) => ({ ...entry }))
    // No format: the server answers in the picture's own (an animated GIF as an animated GIF).
    const formatRequested = format.value
    const editsRequested = hasPictureEdits(edits.value)
      ? copyDocument({ captions: [], stickers: [], edits: edits.value, format: undefined }).edits
      : undefined
    const from = template.value
    // Every box, empty ones too: a URL names one line per box of the template.
    const allCaptions = captions.value.map((entry) => ({
      ...withoutId(entry),
      text: entry.text.trim(),
    }))
    generateError.value = null
    refreshError.value = null
    try {
      // A template's picture is already in storage: the request names the template.
      const source = from ? { template: from.id } : { image: await uploadPicture(chosen) }
      const keys = await uploadStickers(stickersRequested)
      const stickersSent = requestStickers(captionsNow, stickersRequested, (asset) =>
        keys.get(asset)!,
      )
      phase.value = 'rendering'
      const request: MemeRequest = {
        ...source,
        captions: captionsRequested,
        ...(stickersSent.length > 0 ? { stickers: stickersSent } : {}),
        ...(editsRequested ? { edits: editsRequested } : {}),
        ...(formatRequested ? { format: formatRequested } : {}),
      }
      const rendered = await renderMeme(request)
      // An image URL names the template's picture as it is: edited, the meme has no URL.
      const urlFormat = URL_FORMATS[rendered.type]
      const imagePath =
        from && !editsRequested && stickersSent.length === 0 && urlFormat
          ? templateImagePath(from, allCaptions, urlFormat)
          : undefined
      // The picture changed while this rendered: the answer belongs to no picture on show.
      if (picture.value !== chosen) return
      showMeme(memeImageFromBase64(rendered.data, rendered.type), request, imagePath, signature)
    } catch (error) {
      // The object may have expired from storage: upload again on the next try.
      if (error instanceof UserFacingError && error.code === 'IMAGE_NOT_FOUND') {
        uploaded = undefined
        uploadedStickers = new Map()
      }
      // A failed re-render is told where its out-of-date result is.
      if (refreshing && meme.value) refreshError.value = failureSentence(error)
      else generateError.value = failureSentence(error)
    } finally {
      phase.value = 'idle'
      uploadPercent.value = 0
    }
  }

  /** Re-renders an out-of-date result after a pause in editing, when the boxes allow it. */
  function scheduleRefresh(): void {
    clearTimeout(refreshTimer)
    refreshTimer = setTimeout(() => {
      refreshTimer = undefined
      if (resultStale.value && staleReason.value === undefined) void generate()
    }, REFRESH_AFTER_MS)
  }

  watch([boxesSignature, picture], () => {
    refreshError.value = null
    if (!resultStale.value) {
      clearTimeout(refreshTimer)
      refreshTimer = undefined
      return
    }
    // One render at a time: the one under way schedules the next when it ends.
    if (!inFlight) scheduleRefresh()
  })

  /**
   * Makes the result match the boxes before it is handed out (Download, Copy, Share): waits
   * for a render under way, re-renders if it is still out of date, and says whether the meme
   * on show is now current.
   */
  async function freshResult(): Promise<boolean> {
    clearTimeout(refreshTimer)
    refreshTimer = undefined
    if (inFlight) await inFlight
    if (resultStale.value && staleReason.value === undefined) await generate()
    return meme.value !== null && !resultStale.value
  }

  /** The document as it is now: a copy, for history and drafts. */
  function snapshot(): EditorDocument {
    return copyDocument({
      captions: captions.value,
      stickers: stickers.value,
      edits: edits.value,
      format: format.value,
    })
  }

  /**
   * Puts a document in place (undo, redo, a restored draft). The selection stays where it
   * can, else moves to the first box.
   */
  function restore(document: EditorDocument): void {
    const next = copyDocument(document)
    captions.value = next.captions
    stickers.value = next.stickers
    edits.value = next.edits
    format.value = next.format
    const highest = Math.max(
      0,
      ...next.captions.map(({ id }) => id),
      ...next.stickers.map(({ id }) => id),
    )
    nextCaptionId = Math.max(nextCaptionId, highest + 1)
    refusedId.value = null
    const ids = [...next.captions, ...next.stickers].map(({ id }) => id)
    if (selectedId.value === null || !ids.includes(selectedId.value)) {
      selectedId.value = next.captions[0]?.id ?? null
    }
  }

  /** Keeps a sticker's picture for the session; returns its id. */
  function addStickerAsset(asset: StickerAsset): string {
    const next = new Map(stickerAssets.value)
    next.set(asset.id, asset)
    stickerAssets.value = next
    return asset.id
  }

  /** The picture's aspect (width / height) as rendered: boxes and stickers are placed on it. */
  const renderAspect = () => renderSize.value.width / renderSize.value.height

  /** A sticker's box, its height from its picture's shape; undefined without its picture. */
  function boxOfSticker(sticker: EditorSticker): CaptionBox | undefined {
    const asset = stickerAssets.value.get(sticker.asset)?.picture
    if (!asset || asset.width <= 0 || asset.height <= 0) return undefined
    return stickerBox(sticker, asset.width / asset.height, renderAspect())
  }

  /** Every box and sticker on the picture, for placing a new one where it is free. */
  function occupied(): CaptionBox[] {
    const boxes = captions.value.map(boxOf)
    for (const sticker of stickers.value) {
      const box = boxOfSticker(sticker)
      if (box) boxes.push(box)
    }
    return boxes
  }

  /** Adds a sticker of `asset`, over every caption, where it is free, and selects it. */
  function placeNewSticker(asset: StickerAsset): EditorSticker | undefined {
    if (!canAddSticker.value) return undefined
    const shape = asset.picture.width / asset.picture.height
    const box = placeAddedBox(
      occupied(),
      renderAspect(),
      stickerBox({ x: 0.5, y: 0.5, width: ADDED_STICKER_WIDTH }, shape, renderAspect()),
    )
    const added: EditorSticker = {
      id: nextCaptionId++,
      asset: addStickerAsset(asset),
      x: box.x,
      y: box.y,
      width: ADDED_STICKER_WIDTH,
      rotation: 0,
      above: captions.value.length,
    }
    stickers.value.push(added)
    selectedId.value = added.id
    return stickers.value.at(-1)
  }

  let stickerRequest = 0

  /**
   * Adds a picture file as a sticker, checked and decoded as a chosen picture is; a refusal is
   * explained in `stickerError`. The sticker it added, or undefined.
   */
  async function addStickerFromFile(file: File): Promise<EditorSticker | undefined> {
    if (!canAddSticker.value) return undefined
    const request = ++stickerRequest
    const isLatest = () => request === stickerRequest
    stickerError.value = null
    addingSticker.value = true
    try {
      const opened = await openPictureFile(file, isLatest)
      if (!opened) return undefined
      if ('message' in opened) {
        stickerError.value = opened.message
        return undefined
      }
      const added = placeNewSticker({
        // Unique across sessions too: a restored draft's assets keep their ids. (randomUUID
        // needs a secure context; a page on a plain-HTTP LAN address has none.)
        id: `sticker-${globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random()}`}`,
        picture: opened.picture,
      })
      if (!added) releasePicture(opened.picture)
      return added
    } finally {
      if (isLatest()) addingSticker.value = false
    }
  }

  /**
   * Adds an emoji as a sticker: drawn large as a PNG (`drawEmoji`), then taken like an
   * uploaded picture. The same emoji reuses its picture.
   */
  async function addEmojiSticker(text: string): Promise<EditorSticker | undefined> {
    if (!canAddSticker.value) return undefined
    const checked = checkEmoji(text)
    stickerError.value = null
    if (!checked.ok) {
      stickerError.value = checked.message
      return undefined
    }
    const known = [...stickerAssets.value.values()].find((asset) => asset.emoji === checked.emoji)
    if (known) return placeNewSticker(known)
    const request = ++stickerRequest
    const isLatest = () => request === stickerRequest
    addingSticker.value = true
    try {
      let file: File
      try {
        file = await drawEmoji.value(checked.emoji)
      } catch (error) {
        if (isLatest()) stickerError.value = error instanceof Error ? error.message : String(error)
        return undefined
      }
      const opened = await openPictureFile(file, isLatest)
      if (!opened) return undefined
      if ('message' in opened) {
        stickerError.value = opened.message
        return undefined
      }
      const asset = { id: `emoji-${checked.emoji}`, picture: opened.picture, emoji: checked.emoji }
      const added = placeNewSticker(asset)
      if (!added) releasePicture(opened.picture)
      return added
    } finally {
      if (isLatest()) addingSticker.value = false
    }
  }

  /** Moves, resizes or turns a sticker within the API's limits; a locked one stays put. */
  function updateSticker(id: number, change: StickerChange): void {
    const entry = findSticker(id)
    if (entry && !entry.locked) Object.assign(entry, acceptedStickerChange(change))
  }

  function nudgeSticker(id: number, dx: number, dy: number): void {
    const entry = findSticker(id)
    if (entry) updateSticker(id, { x: entry.x + dx, y: entry.y + dy })
  }

  /** Removes a sticker; the next sticker (or else the one before, or the first box) is selected. */
  function removeSticker(id: number): void {
    const index = stickers.value.findIndex((entry) => entry.id === id)
    if (index === -1) return
    stickers.value.splice(index, 1)
    if (selectedId.value === id) {
      selectedId.value =
        (stickers.value[index] ?? stickers.value[index - 1] ?? captions.value[0])?.id ?? null
    }
  }

  /** Whether a caption or sticker can go a step forward or back in the drawing order. */
  function canMove(id: number, direction: LayerDirection): boolean {
    const target = find(id) ?? findSticker(id)
    return (
      target !== undefined &&
      moveLayer(captions.value, stickers.value, target, direction) !== undefined
    )
  }

  /**
   * Moves a caption or sticker a step forward (drawn later, over the next one) or back. A
   * caption past a caption swaps their places in the list ("Text 1" and "Text 2" trade
   * names); past a sticker, the sticker's `above` changes.
   */
  function moveInOrder(id: number, direction: LayerDirection): boolean {
    const target = find(id) ?? findSticker(id)
    if (!target) return false
    const moved = moveLayer(captions.value, stickers.value, target, direction)
    if (!moved) return false
    captions.value = moved.captions
    stickers.value = moved.stickers
    return true
  }

  const bringForward = (id: number) => moveInOrder(id, 'forward')
  const sendBackward = (id: number) => moveInOrder(id, 'backward')

  /** Why a box or sticker cannot be duplicated now, in words; undefined when it can. */
  function duplicateBlocker(id: number): string | undefined {
    if (find(id)) {
      return canAddCaption.value
        ? undefined
        : `${CAPTION_LIMITS.maxCaptions} text boxes at most: delete one to duplicate this.`
    }
    if (findSticker(id)) {
      return canAddSticker.value
        ? undefined
        : `${STICKER_LIMITS.maxStickers} stickers at most: delete one to duplicate this.`
    }
    return 'Choose a text box or a sticker to duplicate.'
  }

  /**
   * A copy of a caption or sticker, placed where it is free, drawn right over the original,
   * unlocked and selected. Undefined when there are enough of its kind.
   */
  function duplicate(id: number): EditorCaption | EditorSticker | undefined {
    if (duplicateBlocker(id) !== undefined) return undefined
    const caption = find(id)
    if (caption) {
      const index = captions.value.indexOf(caption)
      const box = placeAddedBox(occupied(), renderAspect(), boxOf(caption))
      const copy: EditorCaption = { ...caption, ...box, id: nextCaptionId++, locked: false }
      captions.value.splice(index + 1, 0, copy)
      // Stickers over the original stay under everything they were under, the copy too.
      for (const sticker of stickers.value) if (sticker.above > index) sticker.above += 1
      selectedId.value = copy.id
      return captions.value[index + 1]
    }
    const sticker = findSticker(id)!
    const index = stickers.value.indexOf(sticker)
    const own = boxOfSticker(sticker)
    const box = own ? placeAddedBox(occupied(), renderAspect(), own) : sticker
    const copy: EditorSticker = {
      ...sticker,
      x: box.x,
      y: box.y,
      id: nextCaptionId++,
      locked: false,
    }
    // Next to the original in the list and with its `above`: drawn right over it.
    stickers.value.splice(index + 1, 0, copy)
    selectedId.value = copy.id
    return stickers.value[index + 1]
  }

  /** Locks or unlocks a caption or sticker: locked, it cannot be moved, resized or turned. */
  function setLocked(id: number, locked: boolean): void {
    const entry = find(id) ?? findSticker(id)
    if (entry) entry.locked = locked
  }

  /**
   * Puts a saved draft's picture back: decoded like a chosen file, the template it came
   * from remembered (Generate names it again). False, with `pictureError` set, if refused.
   */
  async function restorePicture(file: File, from: ChosenTemplate | null): Promise<boolean> {
    if (busy.value) return false
    const request = ++pictureRequest
    const isLatest = () => request === pictureRequest
    pictureError.value = null
    failedTemplate.value = null
    openingPicture.value = true
    try {
      const opened = await openPictureFile(file, isLatest)
      if (!opened) return false
      if ('message' in opened) {
        pictureError.value = opened.message
        return false
      }
      adoptPicture(opened.picture)
      // In the same tick as the picture: what shows it sees a template's picture as one.
      template.value = from
      return true
    } finally {
      if (isLatest()) openingPicture.value = false
    }
  }

  /** "Start over": no picture, the starting boxes, no stickers, edits or result. */
  function startOver(): void {
    pictureRequest += 1
    openingPicture.value = false
    if (picture.value) releasePicture(picture.value)
    picture.value = null
    uploaded = undefined
    template.value = null
    pictureError.value = null
    failedTemplate.value = null
    generateError.value = null
    showMeme(null)
    captions.value = STARTING_CAPTION_BOXES.map(newCaption)
    stickers.value = []
    edits.value = {}
    format.value = undefined
    refusedId.value = null
    selectedId.value = captions.value[0]?.id ?? null
  }

  /**
   * Saves the picture and the boxes, text cleared, as a template; the picture is uploaded
   * first if it has not been. The meme is from then on made from the saved template.
   */
  async function saveAsTemplate(details: TemplateDetails): Promise<TemplateCreated> {
    const chosen = picture.value
    if (!chosen) throw new UserFacingError('Choose a picture to save as a template.')
    if (busy.value) throw new UserFacingError('Wait for the meme to finish, then save it.')
    if (captions.value.length === 0) {
      throw new UserFacingError('Add at least one text box to save as a template.')
    }
    const boxes = captions.value.map((entry) => ({ ...withoutId(entry), text: '' }))
    const source = details.source.trim()
    try {
      const key = await uploadPicture(chosen)
      const saved = await saveTemplate({
        image: key,
        name: details.name.trim(),
        tags: parseTags(details.tags),
        boxes,
        ...(source ? { source } : {}),
      })
      if (picture.value === chosen) {
        template.value = {
          id: saved.template.id,
          version: saved.template.version,
          name: saved.template.name,
          boxes: saved.template.boxes.map((box) => ({ ...box })),
        }
      }
      return saved
    } catch (error) {
      if (error instanceof UserFacingError && error.code === 'IMAGE_NOT_FOUND') uploaded = undefined
      throw error
    } finally {
      phase.value = 'idle'
      uploadPercent.value = 0
    }
  }

  return {
    captions,
    stickers,
    stickerAssets,
    edits,
    selectedId,
    format,
    refusedId,
    picture,
    pictureError,
    openingPicture,
    phase,
    uploadPercent,
    generateError,
    meme,
    template,
    openingTemplateId,
    failedTemplate,
    renderedImagePath,
    measureText,
    renderSize,
    layouts,
    overflowingIds,
    selectedCaption,
    canAddCaption,
    selectedSticker,
    canAddSticker,
    addingSticker,
    stickerError,
    drawEmoji,
    captionsToRender,
    busy,
    generateBlocker,
    canGenerate,
    lastRequest,
    resultStale,
    staleReason,
    refreshError,
    freshResult,
    setCaptionText,
    updateCaption,
    nudgeCaption,
    addCaption,
    removeCaption,
    selectCaption,
    setFormat,
    rotateRight,
    rotateLeft,
    flipHorizontal,
    flipVertical,
    setCrop,
    setBands,
    resetEdits,
    choosePicture,
    chooseTemplate,
    chooseComposedPicture,
    forgetTemplate,
    clearPictureError,
    generate,
    saveAsTemplate,
    snapshot,
    restore,
    addStickerAsset,
    addStickerFromFile,
    addEmojiSticker,
    updateSticker,
    nudgeSticker,
    removeSticker,
    canMove,
    bringForward,
    sendBackward,
    duplicateBlocker,
    duplicate,
    setLocked,
    restorePicture,
    startOver,
  }
})
