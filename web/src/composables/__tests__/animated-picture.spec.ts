import { mount } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h, shallowRef } from 'vue'
import type { Picture } from '@/picture/picture-decode.ts'
import { frameDelayMs, useAnimatedPicture } from '../animated-picture.ts'

/** Frame durations in microseconds, as WebCodecs gives them. */
const DURATIONS = [200_000, 50_000, 0]

interface FakeFrame {
  index: number
  duration: number
  closed: boolean
  close(): void
}

/** A WebCodecs `ImageDecoder` over a three-frame animation that loops forever. */
class FakeImageDecoder {
  static opened: FakeImageDecoder[] = []
  static frameCount = DURATIONS.length
  closed = false
  completed = Promise.resolve()
  tracks = {
    ready: Promise.resolve(),
    selectedTrack: {
      animated: FakeImageDecoder.frameCount > 1,
      frameCount: FakeImageDecoder.frameCount,
      repetitionCount: Infinity,
    },
  }
  constructor(readonly init: { type: string }) {
    FakeImageDecoder.opened.push(this)
  }
  async decode({ frameIndex }: { frameIndex: number }) {
    const frame: FakeFrame = {
      index: frameIndex,
      duration: DURATIONS[frameIndex]!,
      closed: false,
      close() {
        this.closed = true
      },
    }
    return { image: frame, complete: true }
  }
  close() {
    this.closed = true
  }
}

const gif = (): Picture =>
  ({
    file: new File([new Uint8Array(16)], 'cat.gif', { type: 'image/gif' }),
    type: 'image/gif',
    width: 10,
    height: 10,
  }) as unknown as Picture

function playerFor(picture: Picture | null) {
  const shown: (FakeFrame | null)[] = []
  let player: ReturnType<typeof useAnimatedPicture> | undefined
  const wrapper = mount(
    defineComponent({
      setup() {
        player = useAnimatedPicture(shallowRef(picture), (image) =>
          shown.push(image as unknown as FakeFrame | null),
        )
        return () => h('div')
      },
    }),
  )
  const frames = () => shown.filter((frame) => frame !== null).map((frame) => frame.index)
  return { player: player!, shown, frames, wrapper }
}

/** Lets the decoder's promises settle; no time passes for the frames. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 10; turn++) await new Promise((resolve) => setImmediate(resolve))
}

const reducedMotion = (reduce: boolean) =>
  vi.stubGlobal('matchMedia', (query: string) => ({ matches: reduce && query.includes('reduce') }))

beforeEach(() => {
  FakeImageDecoder.opened = []
  FakeImageDecoder.frameCount = DURATIONS.length
  vi.stubGlobal('ImageDecoder', FakeImageDecoder)
  reducedMotion(false)
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
})
afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('frameDelayMs', () => {
  it("keeps a frame's own duration, and plays 10 ms or less as 100 ms as browsers do", () => {
    expect(frameDelayMs(200_000)).toBe(200)
    expect(frameDelayMs(20_000)).toBe(20)
    expect(frameDelayMs(10_000)).toBe(100)
    expect(frameDelayMs(0)).toBe(100)
    expect(frameDelayMs(null)).toBe(100)
  })
})

describe('useAnimatedPicture', () => {
  it('shows each frame for its own duration, round and round', async () => {
    const { player, frames, wrapper } = playerFor(gif())
    await settle()
    expect(frames()).toEqual([0])
    expect(player.animated.value).toBe(true)
    expect(player.playing.value).toBe(true)
    await vi.advanceTimersByTimeAsync(199)
    expect(frames()).toEqual([0])
    await vi.advanceTimersByTimeAsync(1)
    expect(frames()).toEqual([0, 1])
    await vi.advanceTimersByTimeAsync(50)
    expect(frames()).toEqual([0, 1, 2])
    await vi.advanceTimersByTimeAsync(100)
    expect(frames()).toEqual([0, 1, 2, 0])
    wrapper.unmount()
    expect(FakeImageDecoder.opened[0]!.closed).toBe(true)
  })

  it('closes each frame once the next is shown', async () => {
    const { shown, wrapper } = playerFor(gif())
    await settle()
    expect(shown.filter(Boolean)).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(200)
    const [first, second] = shown.filter(Boolean) as FakeFrame[]
    expect(first!.closed).toBe(true)
    expect(second!.closed).toBe(false)
    wrapper.unmount()
    // The canvas lets go of the frame before it is closed.
    expect(shown.at(-1)).toBeNull()
    expect(second!.closed).toBe(true)
  })

  it('pauses while the page is hidden and plays again when it is shown', async () => {
    const { frames, player, wrapper } = playerFor(gif())
    await settle()
    expect(frames()).toEqual([0])
    const hidden = vi.spyOn(document, 'hidden', 'get').mockReturnValue(true)
    document.dispatchEvent(new Event('visibilitychange'))
    expect(player.playing.value).toBe(false)
    await vi.advanceTimersByTimeAsync(1000)
    expect(frames()).toEqual([0])
    hidden.mockReturnValue(false)
    document.dispatchEvent(new Event('visibilitychange'))
    await settle()
    expect(frames()).toEqual([0, 1])
    expect(player.playing.value).toBe(true)
    wrapper.unmount()
  })

  it('waits for Play when reduced motion is asked for', async () => {
    reducedMotion(true)
    const { frames, player, wrapper } = playerFor(gif())
    await settle()
    expect(player.animated.value).toBe(true)
    expect(player.playing.value).toBe(false)
    await vi.advanceTimersByTimeAsync(1000)
    expect(frames()).toEqual([])
    player.toggle()
    await settle()
    expect(frames()).toEqual([0])
    player.toggle()
    await vi.advanceTimersByTimeAsync(1000)
    expect(frames()).toEqual([0])
    wrapper.unmount()
  })

  it('plays nothing without ImageDecoder, for a still picture or another type', async () => {
    vi.stubGlobal('ImageDecoder', undefined)
    const missing = playerFor(gif())
    await vi.advanceTimersByTimeAsync(500)
    expect(missing.player.animated.value).toBe(false)
    missing.wrapper.unmount()

    vi.stubGlobal('ImageDecoder', FakeImageDecoder)
    FakeImageDecoder.frameCount = 1
    const still = playerFor(gif())
    await settle()
    expect(FakeImageDecoder.opened).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(500)
    expect(still.player.animated.value).toBe(false)
    expect(FakeImageDecoder.opened[0]!.closed).toBe(true)
    still.wrapper.unmount()

    const png = playerFor({ ...gif(), type: 'image/png' } as Picture)
    await vi.advanceTimersByTimeAsync(500)
    expect(FakeImageDecoder.opened).toHaveLength(1)
    png.wrapper.unmount()
  })
})
