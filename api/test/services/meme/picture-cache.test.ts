import { describe, expect, it } from 'vitest'
import { PictureCache } from '../../../src/services/meme/picture-cache.ts'

interface Named {
  byteLength: number
  name: string
}
const picture = (byteLength: number, name = ''): Named => ({ byteLength, name })

describe('PictureCache', () => {
  it('gives back a picture for the ETag it was decoded from', () => {
    const cache = new PictureCache<Named>(100)
    const a = picture(10, 'a')
    cache.set('uploads/a.png', '"v1"', a)
    expect(cache.etagOf('uploads/a.png')).toBe('"v1"')
    expect(cache.get('uploads/a.png', '"v1"')).toBe(a)
    expect(cache.get('uploads/b.png', '"v1"')).toBeUndefined()
  })

  it('drops a picture whose object has a new ETag', () => {
    const cache = new PictureCache<Named>(100)
    cache.set('uploads/a.png', '"v1"', picture(10))
    expect(cache.get('uploads/a.png', '"v2"')).toBeUndefined()
    expect(cache.etagOf('uploads/a.png')).toBeUndefined()
    expect(cache.bytes).toBe(0)
  })

  it('holds no more bytes than it may, evicting the least recently used first', () => {
    const cache = new PictureCache<Named>(100)
    cache.set('a', 'e', picture(40, 'a'))
    cache.set('b', 'e', picture(40, 'b'))
    expect(cache.get('a', 'e')?.name).toBe('a') // now b is the least recently used
    cache.set('c', 'e', picture(40, 'c'))
    expect(cache.bytes).toBe(80)
    expect(cache.get('b', 'e')).toBeUndefined()
    expect(cache.get('a', 'e')?.name).toBe('a')
    expect(cache.get('c', 'e')?.name).toBe('c')
    cache.set('d', 'e', picture(100, 'd'))
    expect(cache.size).toBe(1)
    expect(cache.bytes).toBe(100)
  })

  it('replaces a key without counting it twice', () => {
    const cache = new PictureCache<Named>(100)
    cache.set('a', '"v1"', picture(60))
    cache.set('a', '"v2"', picture(30))
    expect(cache.bytes).toBe(30)
    expect(cache.etagOf('a')).toBe('"v2"')
  })

  it('keeps nothing larger than itself, and nothing at all with no room', () => {
    const cache = new PictureCache<Named>(100)
    cache.set('small', 'e', picture(10))
    cache.set('huge', 'e', picture(101))
    expect(cache.get('huge', 'e')).toBeUndefined()
    expect(cache.get('small', 'e')).toBeDefined()
    const none = new PictureCache<Named>(0)
    none.set('a', 'e', picture(1))
    expect(none.size).toBe(0)
  })
})
