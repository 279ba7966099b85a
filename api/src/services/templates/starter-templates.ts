import {
  LAYOUT_EDGE,
  PANEL_LAYOUT_KINDS,
  PANEL_LAYOUTS,
  planPanelLayout,
  type Caption,
  type PanelLayoutKind,
  type PanelLayoutPlan,
} from '@meme-studio/meme-core'
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

const BLANK_STARTERS: StarterTemplate[] = SHAPES.flatMap((shape) =>
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

/** Where a layout starter's pictures would go, drawn as placeholder panels. */
const PLACEHOLDER_GREY = '#d9d9d9'

/**
 * A layout starter's placeholder plan: 4:3 pictures (caption-above's is then square). The
 * other kinds' shapes do not depend on the pictures, so their boxes fit any.
 */
function placeholderPlan(kind: PanelLayoutKind): PanelLayoutPlan {
  const pictures = Array.from({ length: PANEL_LAYOUTS[kind].panels }, () => ({
    width: 4,
    height: 3,
  }))
  return planPanelLayout(kind, pictures, LAYOUT_EDGE)
}

/** Fractions to four places: exact enough for a box, short in a template's JSON. */
const fraction = (pixels: number, of: number) => Math.round((pixels / of) * 10_000) / 10_000

/**
 * A layout's boxes: the classic bottom text in each panel, or, for caption-above, black text
 * on the white band (the modern style: plain, not uppercase, no outline).
 */
function layoutBoxes(plan: PanelLayoutPlan): Caption[] {
  const { width, height, band } = plan
  if (band) {
    return [
      {
        text: '',
        x: 0.5,
        y: fraction(band.top + band.height / 2, height),
        width: fraction(band.width * 0.92, width),
        height: fraction(band.height * 0.8, height),
        font: 'sans',
        color: '#000000',
        strokeColor: '#ffffff',
        strokeWidth: 0,
        uppercase: false,
      },
    ]
  }
  return plan.panels.map(({ rect }) => ({
    text: '',
    x: fraction(rect.left + rect.width / 2, width),
    y: fraction(rect.top + rect.height * 0.86, height),
    width: fraction(rect.width * 0.9, width),
    height: fraction(rect.height * 0.22, height),
    uppercase: true,
    font: 'anton',
    color: '#ffffff',
    strokeColor: '#000000',
    strokeWidth: 0.1,
  }))
}

const LAYOUT_STARTERS: StarterTemplate[] = PANEL_LAYOUT_KINDS.map((kind) => {
  const plan = placeholderPlan(kind)
  return {
    id: `layout-${kind}`,
    name: PANEL_LAYOUTS[kind].name,
    tags: ['layout', kind],
    width: plan.width,
    height: plan.height,
    background: plan.background,
    boxes: layoutBoxes(plan),
    version: STARTER_VERSION,
    layout: { kind, panels: PANEL_LAYOUTS[kind].panels },
  }
})

/** Every starter, in the order the gallery lists them: blank canvases, then layouts. */
// Layouts first: four ways to start that a first page of the gallery should show, before 24
// plain canvases that differ only in shape and colour.
export const STARTER_TEMPLATES: readonly StarterTemplate[] = [...LAYOUT_STARTERS, ...BLANK_STARTERS]

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

/**
 * The starter's picture: a plain PNG, the same bytes every time for the same starter. A
 * layout's shows its panels in light grey on white, placed by the layout engine, so that it
 * renders by URL as it is and shows in the gallery what it asks for.
 */
export function drawStarterPicture(starter: StarterTemplate): Promise<Buffer> {
  const panels = starter.layout ? placeholderPlan(starter.layout.kind).panels : []
  return sharp({
    create: {
      width: starter.width,
      height: starter.height,
      channels: 3,
      background: starter.background,
    },
  })
    .composite(
      panels.map(({ rect }) => ({
        input: {
          create: {
            width: rect.width,
            height: rect.height,
            channels: 3,
            background: PLACEHOLDER_GREY,
          },
        },
        left: rect.left,
        top: rect.top,
      })),
    )
    .png()
    .toBuffer()
}
