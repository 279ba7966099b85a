import { effectScope } from 'vue'
import { describe, expect, it, vi } from 'vitest'
import { useMediaQuery } from '../media-query.ts'

/** A window whose one media query the test turns on and off, as a resize or rotation would. */
function fakeWindow(initially: boolean) {
  const listeners = new Set<(event: { matches: boolean }) => void>()
  const list = {
    matches: initially,
    addEventListener: (_type: string, listener: (event: { matches: boolean }) => void) =>
      listeners.add(listener),
    removeEventListener: (_type: string, listener: (event: { matches: boolean }) => void) =>
      listeners.delete(listener),
  }
  const asked: string[] = []
  vi.stubGlobal('matchMedia', (query: string) => (asked.push(query), list))
  const change = (matches: boolean) => {
    list.matches = matches
    for (const listener of listeners) listener({ matches })
  }
  return { asked, change, listeners }
}

describe('useMediaQuery', () => {
  it('says whether the query matches now, and follows it as the window changes', () => {
    const window = fakeWindow(true)
    const scope = effectScope()
    const phone = scope.run(() => useMediaQuery('(max-width: 899px)'))!
    expect(window.asked).toEqual(['(max-width: 899px)'])
    expect(phone.value).toBe(true)
    window.change(false)
    expect(phone.value).toBe(false)
    window.change(true)
    expect(phone.value).toBe(true)

    scope.stop()
    expect(window.listeners.size).toBe(0)
  })

  it('is false where there is no matchMedia (no window)', () => {
    vi.stubGlobal('matchMedia', undefined)
    const scope = effectScope()
    expect(scope.run(() => useMediaQuery('(max-width: 899px)'))!.value).toBe(false)
    scope.stop()
  })
})
