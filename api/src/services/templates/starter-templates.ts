import type { Caption } from '@meme-studio/meme-core'
import type { TemplateLayout } from '@meme-studio/meme-core/schema'
import sharp from 'sharp'

/** A template that ships with the app: a plain canvas, its picture drawn when first needed. */
export interface StarterTemplate {
  id: string
  name: string
  tags: string[]
  width: number
  height: number
  /** The canvas colour, `#rrggbb`. */
  background: string
  boxes: Caption[]
  version: number
  /** Set on layouts: the pictures the template asks for before it is captioned. */
  layout?: TemplateLayout
}

/** Starters never change their picture or boxes; a change would ship as a new version. */
export const STARTER_VERSION = 1

/** When the starters first shipped: their `createdAt` and `updatedAt`. */
export const STARTERS_RELEASED = '2026-12-06T00:00:00.000Z'

/** The long side of a thumbnail: a gallery tile of 160 CSS px on a 2× screen. */
export const THUMBNAIL_EDGE = 320

/** 1024 px on the long side: the size of a typical meme template, well inside the render limits. */
const SHAPES = [
  { id: 'square', label: 'square', width: 1024, height: 1024 },
  { id: '4x3', label: '4:3', width: 1024, height: 768 },
  { id: '16x9', label: '16:9', width: 1024, height: 576 },
  { id: '9x16', label: '9:16', width: 576, height: 1024 },
] as const

/** `dark` canvases get the classic white text outlined in black; light ones plain black text. */
const COLOURS = [
  { id: 'white', name: 'White', hex: '#ffffff', dark: false },
  { id: 'black', name: 'Black', hex: '#000000', dark: true },
  { id: 'yellow', name: 'Yellow', hex: '#facc15', dark: false },
  { id: 'red', name: 'Red', hex: '#dc2626', dark: true },
  { id: 'blue', name: 'Blue', hex: '#2563eb', dark: true },
  { id: 'green', name: 'Green', hex: '#16a34a', dark: true },
] as const

function captionBoxes(dark: boolean): Caption[] {
  const style: Partial<Caption> = dark
    ? { font: 'anton', color: '#ffffff', strokeColor: '#000000', strokeWidth: 0.1 }
    : { font: 'anton', color: '#000000', strokeColor: '#ffffff', strokeWidth: 0 }
  return [
    { text: '', x: 0.5, y: 0.12, width: 0.9, height: 0.2, uppercase: true, ...style },
    { text: '', x: 0.5, y: 0.88, width: 0.9, height: 0.2, uppercase: true, ...style },
  ]
}

/** Every starter, in the order the gallery lists them. */
export const STARTER_TEMPLATES: readonly StarterTemplate[] = SHAPES.flatMap((shape) =>
  COLOURS.map((colour) => ({
    id: `blank-${shape.id}-${colour.id}`,
    name: `Blank ${shape.label}, ${colour.name.toLowerCase()}`,
    tags: ['blank', shape.id, colour.id],
    width: shape.width,
    height: shape.height,
    background: colour.hex,
    boxes: captionBoxes(colour.dark),
    version: STARTER_VERSION,
  })),
)

const STARTERS_BY_ID = new Map(STARTER_TEMPLATES.map((starter) => [starter.id, starter]))

/** The starter with that id; undefined for anything else, `__proto__` included. */
export function starterById(id: string): StarterTemplate | undefined {
  return STARTERS_BY_ID.get(id)
}

/** Where a starter's picture lives in the uploads bucket (`templates/` never expires). */
export function starterPictureKey(starter: StarterTemplate): string {
  return `templates/starters/${starter.id}.png`
}

/** Where a starter's thumbnail lives: a WebP of `THUMBNAIL_EDGE` on the long side. */
export function starterThumbnailKey(starter: StarterTemplate): string {
  return `templates/starters/${starter.id}-thumb.webp`
}

/** A small WebP of a picture, `THUMBNAIL_EDGE` on its long side: made once, when saved. */
export function drawThumbnail(picture: Buffer): Promise<Buffer> {
  return sharp(picture)
    .resize({ width: THUMBNAIL_EDGE, height: THUMBNAIL_EDGE, fit: 'inside' })
    .webp({ quality: 80 })
    .toBuffer()
}

/** The starter's picture: a plain PNG, the same bytes every time for the same starter. */
export function drawStarterPicture(starter: StarterTemplate): Promise<Buffer> {
  return sharp({
    create: {
      width: starter.width,
      height: starter.height,
      channels: 3,
      background: starter.background,
    },
  })
    .png()
    .toBuffer()
}
