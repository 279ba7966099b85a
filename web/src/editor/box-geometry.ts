import { CAPTION_LIMITS, type ImageSize } from '@meme-studio/meme-core'

/**
 * A caption's box as the editor moves it: centre and size as fractions of the picture (as
 * the API takes them), and a clockwise rotation in degrees around the centre. Rotation
 * happens in pixels, so the math here needs the picture's size on screen.
 */
export interface CaptionBox {
  x: number
  y: number
  width: number
  height: number
  rotation: number
}

/** A point or a movement on screen, in CSS pixels; y grows downwards. */
export interface Point {
  x: number
  y: number
}

/** Which edge or corner is dragged: the compass direction from the box's centre. */
export type ResizeHandle = 'n' | 'ne' | 'e' | 'se' | 's' | 'sw' | 'w' | 'nw'

export const RESIZE_HANDLES: readonly ResizeHandle[] = ['nw', 'n', 'ne', 'e', 'se', 's', 'sw', 'w']

/** Rotation steps while Shift is held. */
export const ROTATION_SNAP = 15

/** Enough precision for a 10 000 px picture, without float noise in the request. */
const round = (value: number) => Math.round(value * 1e5) / 1e5
const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value))

/** Keeps a box within what the API accepts: a sensible size, its centre on the picture. */
export function clampBox(box: CaptionBox): CaptionBox {
  return {
    x: round(clamp(box.x, 0, 1)),
    y: round(clamp(box.y, 0, 1)),
    width: round(clamp(box.width, CAPTION_LIMITS.minWidth, 1)),
    height: round(clamp(box.height, CAPTION_LIMITS.minHeight, 1)),
    rotation: round(clamp(box.rotation, -CAPTION_LIMITS.maxRotation, CAPTION_LIMITS.maxRotation)),
  }
}

const radians = (degrees: number) => (degrees * Math.PI) / 180

/** Turns a vector clockwise (on screen, y down) by `degrees`. */
function rotate(vector: Point, degrees: number): Point {
  const cos = Math.cos(radians(degrees))
  const sin = Math.sin(radians(degrees))
  return { x: vector.x * cos - vector.y * sin, y: vector.x * sin + vector.y * cos }
}

/** The box dragged by `delta` screen pixels on a picture shown at `size`. */
export function moveBox(start: CaptionBox, delta: Point, size: ImageSize): CaptionBox {
  return clampBox({
    ...start,
    x: start.x + delta.x / size.width,
    y: start.y + delta.y / size.height,
  })
}

/** The box moved by a step given as fractions of the picture, as arrow keys do. */
export function nudgeBox(box: CaptionBox, dx: number, dy: number): CaptionBox {
  return clampBox({ ...box, x: box.x + dx, y: box.y + dy })
}

/** Where each handle sits: the unit direction from the box's centre, before rotation. */
export const HANDLE_SIDES: Record<ResizeHandle, Point> = {
  n: { x: 0, y: -1 },
  ne: { x: 1, y: -1 },
  e: { x: 1, y: 0 },
  se: { x: 1, y: 1 },
  s: { x: 0, y: 1 },
  sw: { x: -1, y: 1 },
  w: { x: -1, y: 0 },
  nw: { x: -1, y: -1 },
}

/**
 * The box after its `handle` was dragged by `delta` screen pixels: the dragged edges follow
 * the pointer along the box's own (rotated) axes, and the opposite edges stay where they
 * are, also when the size stops at its minimum or maximum.
 */
export function resizeBox(
  start: CaptionBox,
  handle: ResizeHandle,
  delta: Point,
  size: ImageSize,
): CaptionBox {
  const side = HANDLE_SIDES[handle]
  const local = rotate(delta, -start.rotation)
  const startWidth = start.width * size.width
  const startHeight = start.height * size.height
  const width = clamp(
    startWidth + side.x * local.x,
    CAPTION_LIMITS.minWidth * size.width,
    size.width,
  )
  const height = clamp(
    startHeight + side.y * local.y,
    CAPTION_LIMITS.minHeight * size.height,
    size.height,
  )
  // The centre moves half as far as the dragged edge, along the box's axes.
  const shift = rotate(
    { x: (side.x * (width - startWidth)) / 2, y: (side.y * (height - startHeight)) / 2 },
    start.rotation,
  )
  return clampBox({
    ...start,
    x: start.x + shift.x / size.width,
    y: start.y + shift.y / size.height,
    width: width / size.width,
    height: height / size.height,
  })
}

/** Clockwise angle of `point` seen from `centre`, 0 straight up, in degrees. */
function bearing(centre: Point, point: Point): number {
  return (Math.atan2(point.x - centre.x, centre.y - point.y) * 180) / Math.PI
}

/** An angle in degrees as the API takes it, in -180..180. */
export function normalizeRotation(degrees: number): number {
  const turned = (((degrees % 360) + 540) % 360) - 180
  return turned === -180 && degrees > 0 ? 180 : turned
}

/**
 * The box turned by the rotation handle dragged from `from` to `to` (screen pixels from the
 * picture's top left corner): by the angle the pointer swept around the centre, so grabbing
 * the handle off its middle does not make the box jump. `snap` rounds to 15° steps.
 */
export function rotateBox(
  start: CaptionBox,
  from: Point,
  to: Point,
  size: ImageSize,
  snap: boolean,
): CaptionBox {
  const centre = { x: start.x * size.width, y: start.y * size.height }
  let rotation = start.rotation + bearing(centre, to) - bearing(centre, from)
  if (snap) rotation = Math.round(rotation / ROTATION_SNAP) * ROTATION_SNAP
  return clampBox({ ...start, rotation: normalizeRotation(rotation) })
}

/**
 * A sticker's box after its `handle` was dragged by `delta` screen pixels: scaled as a whole,
 * so its shape is kept, by how far the pointer went along the handle's direction; the
 * opposite corner or edge stays where it is. The width stays within `minWidth`..`maxWidth`
 * (fractions of the picture's width).
 */
export function resizeKeepingShape(
  start: CaptionBox,
  handle: ResizeHandle,
  delta: Point,
  size: ImageSize,
  limits: { minWidth: number; maxWidth: number },
): CaptionBox {
  const side = HANDLE_SIDES[handle]
  const local = rotate(delta, -start.rotation)
  const startWidth = start.width * size.width
  const startHeight = start.height * size.height
  // The pointer's travel projected on the handle's direction, as a share of the box's reach.
  const reach = side.x * side.x * startWidth * startWidth + side.y * side.y * startHeight ** 2
  const along = side.x * local.x * startWidth + side.y * local.y * startHeight
  const factor = clamp(
    1 + along / reach,
    limits.minWidth / start.width,
    limits.maxWidth / start.width,
  )
  const width = startWidth * factor
  const height = startHeight * factor
  const shift = rotate(
    { x: (side.x * (width - startWidth)) / 2, y: (side.y * (height - startHeight)) / 2 },
    start.rotation,
  )
  return {
    ...start,
    x: round(clamp(start.x + shift.x / size.width, 0, 1)),
    y: round(clamp(start.y + shift.y / size.height, 0, 1)),
    width: round(start.width * factor),
    height: start.height * factor,
  }
}
