import { describe, expect, it } from 'vitest'
import { canMoveLayer, moveLayer, renderedAbove, stackOf } from '../layers.ts'

interface C {
  name: string
}
interface S {
  name: string
  above: number
}

const captions = (): C[] => [{ name: 'T1' }, { name: 'T2' }]
/** The stack as names, bottom first. */
const names = (c: readonly C[], s: readonly S[]) => stackOf(c, s).map((layer) => layer.item.name)

describe('moving a caption or sticker in the drawing order', () => {
  it('a caption forward past a caption swaps the two captions, stickers untouched', () => {
    const c = captions()
    const s: S[] = [
      { name: 'S1', above: 0 },
      { name: 'S2', above: 2 },
    ]
    expect(names(c, s)).toEqual(['S1', 'T1', 'T2', 'S2'])
    const moved = moveLayer(c, s, c[0]!, 'forward')!
    expect(moved.captions.map((x) => x.name)).toEqual(['T2', 'T1'])
    expect(moved.stickers).toEqual(s)
    expect(names(moved.captions, moved.stickers)).toEqual(['S1', 'T2', 'T1', 'S2'])
    // The lists given are left as they were.
    expect(c.map((x) => x.name)).toEqual(['T1', 'T2'])
  })

  it('a caption forward past a sticker puts the sticker under it (its above drops by one)', () => {
    const c = captions()
    const s: S[] = [{ name: 'S1', above: 2 }]
    const moved = moveLayer(c, s, c[1]!, 'forward')!
    expect(moved.captions).toEqual(c)
    expect(moved.stickers).toEqual([{ name: 'S1', above: 1 }])
    expect(names(moved.captions, moved.stickers)).toEqual(['T1', 'S1', 'T2'])
  })

  it('a sticker back past a caption goes under it; forward past a caption over it', () => {
    const c = captions()
    const s: S[] = [{ name: 'S1', above: 1 }]
    expect(names(c, s)).toEqual(['T1', 'S1', 'T2'])
    const back = moveLayer(c, s, s[0]!, 'backward')!
    expect(back.stickers).toEqual([{ name: 'S1', above: 0 }])
    const forward = moveLayer(c, s, s[0]!, 'forward')!
    expect(forward.stickers).toEqual([{ name: 'S1', above: 2 }])
    expect(names(forward.captions, forward.stickers)).toEqual(['T1', 'T2', 'S1'])
  })

  it('a sticker past a sticker between the same captions swaps their order in the list', () => {
    const c = captions()
    const s: S[] = [
      { name: 'S1', above: 2 },
      { name: 'S2', above: 2 },
      { name: 'S3', above: 0 },
    ]
    expect(names(c, s)).toEqual(['S3', 'T1', 'T2', 'S1', 'S2'])
    const moved = moveLayer(c, s, s[0]!, 'forward')!
    expect(names(moved.captions, moved.stickers)).toEqual(['S3', 'T1', 'T2', 'S2', 'S1'])
    expect(moved.stickers.map((x) => x.above)).toEqual([0, 2, 2])
  })

  it('nothing moves past either end, nor what is not there', () => {
    const c = captions()
    const s: S[] = [{ name: 'S1', above: 2 }]
    expect(moveLayer(c, s, s[0]!, 'forward')).toBeUndefined()
    expect(canMoveLayer(c, s, s[0]!, 'forward')).toBe(false)
    expect(canMoveLayer(c, s, s[0]!, 'backward')).toBe(true)
    expect(moveLayer(c, s, c[0]!, 'backward')).toBeUndefined()
    expect(moveLayer(c, s, { name: 'elsewhere' }, 'forward')).toBeUndefined()
    expect(moveLayer([c[0]!], [], c[0]!, 'forward')).toBeUndefined()
  })

  it('forward then back is where it started', () => {
    const c = captions()
    const s: S[] = [
      { name: 'S1', above: 1 },
      { name: 'S2', above: 1 },
    ]
    const once = moveLayer(c, s, c[0]!, 'forward')!
    const twice = moveLayer(once.captions, once.stickers, c[0]!, 'backward')!
    expect(names(twice.captions, twice.stickers)).toEqual(names(c, s))
  })
})

describe('a sticker over captions some of which are empty', () => {
  it('counts only the captions that are rendered', () => {
    expect(renderedAbove(2, [true, false, true])).toBe(1)
    expect(renderedAbove(3, [true, false, true])).toBe(2)
    expect(renderedAbove(0, [true])).toBe(0)
    expect(renderedAbove(5, [true, true])).toBe(2)
  })
})
