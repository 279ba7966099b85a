/** A caption as clients send it: position and size are fractions of the picture. */
export type CaptionAlign = 'left' | 'center' | 'right'

export interface Caption {
  text: string
  /** Centre of the text box, as a fraction 0..1 of the picture's width. */
  x: number
  /** Centre of the text box, as a fraction 0..1 of the picture's height. */
  y: number
  /** Width of the text box, as a fraction 0..1 of the picture's width. */
  width?: number
  /** Multiplier on the automatic font size. */
  scale?: number
  align?: CaptionAlign
  /** Fill colour, `#rrggbb`. */
  color?: string
  /** Outline colour, `#rrggbb`. */
  strokeColor?: string
  uppercase?: boolean
}

export const CAPTION_DEFAULTS = {
  width: 0.9,
  scale: 1,
  align: 'center',
  color: '#ffffff',
  strokeColor: '#000000',
  uppercase: true,
} as const satisfies Required<Omit<Caption, 'text' | 'x' | 'y'>>

export const CAPTION_LIMITS = {
  minCaptions: 1,
  maxCaptions: 10,
  maxTextLength: 500,
  minScale: 0.25,
  maxScale: 4,
  minWidth: 0.05,
} as const

/**
 * The classic meme face. Metrics are Anton's own (units per em), read from the font with
 * measureText: they place lines the same way in the browser and on the server.
 */
export const MEME_FONT = {
  family: 'Anton',
  /** Height of a capital above the baseline. */
  capHeight: 0.86,
  /** Distance between baselines. */
  lineHeight: 1.15,
} as const

/** The two captions a new meme starts with. */
export const DEFAULT_TOP_CAPTION = { x: 0.5, y: 0.15 } as const
export const DEFAULT_BOTTOM_CAPTION = { x: 0.5, y: 0.85 } as const
