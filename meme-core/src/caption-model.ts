/** A caption as clients send it: position and size are fractions of the picture. */
export type CaptionAlign = 'left' | 'center' | 'right'

/** The faces a caption can be set in; see `CAPTION_FONTS`. */
export type CaptionFontId = 'anton' | 'sans' | 'serif' | 'hand'

export interface Caption {
  text: string
  /** Centre of the text box, as a fraction 0..1 of the picture's width. */
  x: number
  /** Centre of the text box, as a fraction 0..1 of the picture's height. */
  y: number
  /** Width of the text box, as a fraction of the picture's width. */
  width?: number
  /**
   * Height of the text box, as a fraction of the picture's height. Unset: as tall as the
   * box can grow around its centre, up to half the picture (the classic top/bottom text).
   */
  height?: number
  /** Clockwise rotation of the box around its centre, in degrees. */
  rotation?: number
  /** Multiplier on the automatic font size. */
  scale?: number
  align?: CaptionAlign
  font?: CaptionFontId
  /** Fill colour, `#rrggbb`. */
  color?: string
  /** Outline colour, `#rrggbb`. */
  strokeColor?: string
  /** Outline width as a fraction of the font size; 0 draws no outline. */
  strokeWidth?: number
  uppercase?: boolean
  /** A soft drop shadow under the letters. */
  shadow?: boolean
}

export const CAPTION_DEFAULTS = {
  width: 0.9,
  rotation: 0,
  scale: 1,
  align: 'center',
  font: 'anton',
  color: '#ffffff',
  strokeColor: '#000000',
  strokeWidth: 0.1,
  uppercase: true,
  shadow: false,
} as const satisfies Required<Omit<Caption, 'text' | 'x' | 'y' | 'height'>>

export const CAPTION_LIMITS = {
  minCaptions: 1,
  maxCaptions: 10,
  maxTextLength: 500,
  minScale: 0.25,
  maxScale: 4,
  minWidth: 0.05,
  minHeight: 0.03,
  maxRotation: 180,
  maxStrokeWidth: 0.25,
} as const

/** The boxes a new meme starts with: the classic top and bottom text. */
export const STARTING_CAPTION_BOXES = [
  { x: 0.5, y: 0.12, width: 0.9, height: 0.2, rotation: 0 },
  { x: 0.5, y: 0.88, width: 0.9, height: 0.2, rotation: 0 },
] as const satisfies readonly Required<Pick<Caption, 'x' | 'y' | 'width' | 'height' | 'rotation'>>[]
