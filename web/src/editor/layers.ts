import { layerOrder, type Layer } from '@meme-studio/meme-core'

/** What reordering needs of a sticker: its place among the captions. */
export interface Stacked {
  above: number
}

/** Captions and stickers after a change of order: both lists, the stickers' `above` set. */
export interface Stacking<C, S extends Stacked> {
  captions: C[]
  stickers: S[]
}

export type LayerDirection = 'forward' | 'backward'

/**
 * Captions and stickers in the order they are drawn, bottom first (meme-core's `layerOrder`),
 * each with its item.
 */
export function stackOf<C, S extends Stacked>(
  captions: readonly C[],
  stickers: readonly S[],
): ({ kind: 'caption'; item: C } | { kind: 'sticker'; item: S })[] {
  return layerOrder(captions.length, stickers).map((layer: Layer) =>
    layer.kind === 'caption'
      ? { kind: 'caption' as const, item: captions[layer.index]! }
      : { kind: 'sticker' as const, item: stickers[layer.index]! },
  )
}

/**
 * The lists that draw `stack` (bottom first): captions in the order they appear, each sticker
 * over as many captions as come before it, and stickers in the order they appear, so that
 * stickers between the same two captions keep the stack's order.
 */
function listsOf<C, S extends Stacked>(
  stack: readonly ({ kind: 'caption'; item: C } | { kind: 'sticker'; item: S })[],
): Stacking<C, S> {
  const captions: C[] = []
  const stickers: S[] = []
  for (const layer of stack) {
    if (layer.kind === 'caption') captions.push(layer.item)
    else stickers.push({ ...layer.item, above: captions.length })
  }
  return { captions, stickers }
}

/**
 * Moves one caption or sticker a step up (`forward`) or down (`backward`) the drawing order,
 * past the one next to it: a caption past a caption swaps the two in the caption list; past a
 * sticker, the sticker's `above` changes. Undefined when `target` is not there or is already
 * at that end. Pure: the lists given are not changed.
 */
export function moveLayer<C, S extends Stacked>(
  captions: readonly C[],
  stickers: readonly S[],
  target: C | S,
  direction: LayerDirection,
): Stacking<C, S> | undefined {
  const stack = stackOf(captions, stickers)
  const at = stack.findIndex((layer) => layer.item === target)
  const to = direction === 'forward' ? at + 1 : at - 1
  if (at === -1 || to < 0 || to >= stack.length) return undefined
  const swapped = [...stack]
  ;[swapped[at], swapped[to]] = [swapped[to]!, swapped[at]!]
  return listsOf<C, S>(swapped)
}

/** Whether `target` can move a step that way: it is there and not already at that end. */
export function canMoveLayer<C, S extends Stacked>(
  captions: readonly C[],
  stickers: readonly S[],
  target: C | S,
  direction: LayerDirection,
): boolean {
  const stack = stackOf(captions, stickers)
  const at = stack.findIndex((layer) => layer.item === target)
  if (at === -1) return false
  return direction === 'forward' ? at < stack.length - 1 : at > 0
}

/**
 * A sticker's `above` once the captions left out of the render (empty ones) are gone: it
 * counts only the rendered captions among those it was drawn over.
 */
export function renderedAbove(above: number, rendered: readonly boolean[]): number {
  return rendered.slice(0, Math.max(0, above)).filter(Boolean).length
}
