import type { PixelRect } from './caption-layout.ts'
import { pictureShapeLimits, type ImageSize } from './picture-size.ts'

/**
 * The layouts a starter may ask for: how many pictures each takes. `caption-above` takes one
 * picture and puts a white band above it for black text, the modern meme style. Kept here, not
 * in `layout-schema.ts`, so that the editor's preview reads it without TypeBox's values.
 */
export const PANEL_LAYOUTS = {
  'side-by-side': { name: 'Two side by side', panels: 2 },
  stacked: { name: 'Two stacked', panels: 2 },
  grid: { name: 'Four in a grid', panels: 4 },
  'caption-above': { name: 'Caption above', panels: 1 },
} as const satisfies Record<string, { name: string; panels: number }>

export type PanelLayoutKind = keyof typeof PANEL_LAYOUTS

export const PANEL_LAYOUT_KINDS = Object.keys(PANEL_LAYOUTS) as PanelLayoutKind[]

/**
 * The long edge of a composed picture, unless `maxEdge` is smaller: four 4:3 cells of 792 px
 * each, sharp on a 2× phone screen, and about 0.5 MB as a JPEG at the render's quality.
 */
export const LAYOUT_EDGE = 1600

/** Gutters, and caption-above's band, are white: the modern meme style, black text on white. */
export const LAYOUT_BACKGROUND = '#ffffff'

/**
 * caption-above's band, as a fraction of the whole height. Fixed, so a template's box in the
 * band stays in it whatever the picture's proportions.
 */
export const CAPTION_BAND_FRACTION = 0.25

/** One picture's place: where it goes, and the part of it that fills that place. */
export interface PanelPlacement {
  /** Where the picture goes in the composed picture, in whole pixels. */
  rect: PixelRect
  /**
   * The part of the upright picture shown in `rect`, in the picture's own pixels (fractional):
   * as large as covers `rect` at `rect`'s proportions, centred. Nothing is stretched.
   */
  crop: PixelRect
}

export interface PanelLayoutPlan {
  kind: PanelLayoutKind
  width: number
  height: number
  /** Fills what no picture covers: the gutters and caption-above's band. */
  background: string
  /** One per picture, in the order the pictures were given (reading order). */
  panels: PanelPlacement[]
  /** caption-above only: the white band for the text. */
  band?: PixelRect
}

/** A gutter between cells: 1 % of the long edge, at least 2 px, so it reads as a line. */
function gutterFor(longEdge: number): number {
  return Math.max(2, Math.round(longEdge / 100))
}

/** Splits `length` into `count` cells with `gutter` between them; the last takes the rest. */
function split(length: number, count: number, gutter: number): { start: number; size: number }[] {
  const size = Math.floor((length - gutter * (count - 1)) / count)
  return Array.from({ length: count }, (_, i) => {
    const start = i * (size + gutter)
    return { start, size: i === count - 1 ? length - start : size }
  })
}

/** The centred part of a picture of `size` that covers a rect of `target`'s proportions. */
export function coverCrop(size: ImageSize, target: ImageSize): PixelRect {
  const scale = Math.max(target.width / size.width, target.height / size.height)
  const width = Math.min(size.width, target.width / scale)
  const height = Math.min(size.height, target.height / scale)
  return { left: (size.width - width) / 2, top: (size.height - height) / 2, width, height }
}

/**
 * Width and height for an aspect (width / height) whose long edge is `edge`. The short side is
 * rounded up: rounded down, an aspect at the limit would come out just past it.
 */
function sized(aspect: number, edge: number): ImageSize {
  return aspect >= 1
    ? { width: edge, height: Math.ceil(edge / aspect) }
    : { width: Math.ceil(edge * aspect), height: edge }
}

/** Cells in a grid of `columns` × `rows` over a picture of `size`, in reading order. */
function cells(size: ImageSize, columns: number, rows: number, gutter: number): PixelRect[] {
  const xs = split(size.width, columns, gutter)
  const ys = split(size.height, rows, gutter)
  return ys.flatMap((y) =>
    xs.map((x) => ({ left: x.start, top: y.start, width: x.size, height: y.size })),
  )
}

/**
 * Lays pictures out for a layout: the composed picture's size, each picture's rect and crop,
 * and caption-above's band. The preview and the server both call this, so they place the
 * pictures alike. `pictures` are the upright sizes, one per panel in reading order.
 *
 * Every kind but caption-above has a fixed shape, whatever the pictures (side by side: two
 * square cells, 2:1; stacked: two 4:3 cells, 2:3; grid: four 4:3 cells, 4:3), so a template's
 * boxes, in fractions, stay where they were put. caption-above keeps its picture's proportions
 * below a band of a quarter of the height, held within the aspect a picture may have (a very
 * tall picture is cropped) so that the result can be captioned like any upload.
 */
export function planPanelLayout(
  kind: PanelLayoutKind,
  pictures: readonly ImageSize[],
  maxEdge: number,
): PanelLayoutPlan {
  const expected = PANEL_LAYOUTS[kind].panels
  if (pictures.length !== expected) {
    throw new RangeError(`${kind} takes ${expected} pictures, not ${pictures.length}`)
  }
  const edge = Math.min(maxEdge, LAYOUT_EDGE)
  const gutter = gutterFor(edge)
  const place = (rects: PixelRect[]): PanelPlacement[] =>
    rects.map((rect, i) => ({ rect, crop: coverCrop(pictures[i]!, rect) }))
  const plan = (size: ImageSize, rects: PixelRect[], band?: PixelRect): PanelLayoutPlan => ({
    kind,
    ...size,
    background: LAYOUT_BACKGROUND,
    panels: place(rects),
    ...(band ? { band } : {}),
  })
  switch (kind) {
    case 'side-by-side': {
      const size = sized(2, edge)
      return plan(size, cells(size, 2, 1, gutter))
    }
    case 'stacked': {
      const size = sized(2 / 3, edge)
      return plan(size, cells(size, 1, 2, gutter))
    }
    case 'grid': {
      const size = sized(4 / 3, edge)
      return plan(size, cells(size, 2, 2, gutter))
    }
    case 'caption-above': {
      const picture = pictures[0]!
      const { maxAspectRatio } = pictureShapeLimits(maxEdge)
      const wanted = (picture.width / picture.height) * (1 - CAPTION_BAND_FRACTION)
      const aspect = Math.min(maxAspectRatio, Math.max(1 / maxAspectRatio, wanted))
      const size = sized(aspect, edge)
      const bandHeight = Math.round(size.height * CAPTION_BAND_FRACTION)
      const band = { left: 0, top: 0, width: size.width, height: bandHeight }
      const rect = { left: 0, top: bandHeight, width: size.width, height: size.height - bandHeight }
      return plan(size, [rect], band)
    }
  }
}
