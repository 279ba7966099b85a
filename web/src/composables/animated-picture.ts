import { onBeforeUnmount, onMounted, ref, watch, type Ref } from 'vue'
import type { Picture } from '@/picture/picture-decode.ts'

/**
 * Browsers play a GIF frame of 10 ms or less for 100 ms (old GIFs say 0 and mean "fast"), and
 * so do players of the server's output: the preview keeps to the same timing.
 */
const FAST_FRAME_MS = 10
const FAST_FRAME_PLAYED_MS = 100

const ANIMATED_TYPES: ReadonlySet<string> = new Set(['image/gif', 'image/webp'])

/** How long a frame stays up, from its duration in microseconds (WebCodecs' unit). */
export function frameDelayMs(durationMicroseconds: number | null | undefined): number {
  const ms = (durationMicroseconds ?? 0) / 1000
  return ms <= FAST_FRAME_MS ? FAST_FRAME_PLAYED_MS : ms
}

const prefersReducedMotion = () =>
  typeof matchMedia === 'function' && matchMedia('(prefers-reduced-motion: reduce)').matches

/**
 * Plays an animated GIF or WebP picture by handing each frame to `showFrame` for its own
 * duration, its loop count kept. Frames are decoded one at a time with WebCodecs'
 * `ImageDecoder` (a 300-frame animation decoded up front would hold gigabytes); where it is
 * missing, or the picture is still, nothing plays and the picture's first frame stays.
 * Paused while the page is hidden; with reduced motion it waits for Play.
 */
export function useAnimatedPicture(
  picture: Readonly<Ref<Picture | null>>,
  showFrame: (image: CanvasImageSource | null) => void,
) {
  /** The picture is an animation this browser can play. */
  const animated = ref(false)
  const playing = ref(false)

  let decoder: ImageDecoder | undefined
  let shown: VideoFrame | undefined
  let frameCount = 0
  let repetitions = Infinity
  let played = 0
  let index = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  /** Bumped by every start, stop and picture: a decode that finishes late is dropped. */
  let run = 0
  /** Playing when the page was hidden: plays again once it is shown. */
  let resumeOnShow = false

  function close(): void {
    run += 1
    clearTimeout(timer)
    // The canvas must let go of a frame before it is closed.
    showFrame(null)
    shown?.close()
    shown = undefined
    decoder?.close()
    decoder = undefined
    animated.value = false
    playing.value = false
  }

  async function open(next: Picture | null): Promise<void> {
    close()
    const session = run
    if (!next || !ANIMATED_TYPES.has(next.type) || typeof ImageDecoder === 'undefined') return
    let opened: ImageDecoder | undefined
    try {
      const data = await next.file.arrayBuffer()
      if (session !== run) return
      opened = new ImageDecoder({ data, type: next.type })
      // The track is known once `tracks.ready` settles (not before, whatever `completed` says);
      // its frame count is final once all the data is read.
      await opened.tracks.ready
      await opened.completed
      const track = opened.tracks.selectedTrack
      if (session !== run || !track?.animated || track.frameCount < 2) {
        opened.close()
        return
      }
      decoder = opened
      frameCount = track.frameCount
      repetitions = track.repetitionCount
      played = 0
      index = 0
      animated.value = true
      if (!prefersReducedMotion() && !document.hidden) play()
    } catch {
      // Unreadable as an animation: the picture's first frame, as the image shows it, stays.
      if (opened !== decoder) opened?.close()
    }
  }

  async function showNext(session: number): Promise<void> {
    const source = decoder
    if (!source || session !== run) return
    let result: ImageDecodeResult
    try {
      result = await source.decode({ frameIndex: index })
    } catch {
      if (session === run) pause()
      return
    }
    if (session !== run) {
      result.image.close()
      return
    }
    showFrame(result.image)
    shown?.close()
    shown = result.image
    index += 1
    if (index >= frameCount) {
      index = 0
      played += 1
      // A loop count of n plays n + 1 times; the last frame stays up at the end.
      if (played > repetitions) {
        playing.value = false
        played = 0
        return
      }
    }
    timer = setTimeout(() => void showNext(session), frameDelayMs(result.image.duration))
  }

  function play(): void {
    if (!animated.value || playing.value) return
    run += 1
    playing.value = true
    void showNext(run)
  }

  function pause(): void {
    if (!playing.value) return
    run += 1
    clearTimeout(timer)
    playing.value = false
  }

  function toggle(): void {
    if (playing.value) pause()
    else play()
  }

  function onVisibility(): void {
    if (document.hidden) {
      resumeOnShow = playing.value
      pause()
    } else if (resumeOnShow) {
      resumeOnShow = false
      play()
    }
  }

  watch(picture, (next) => void open(next), { immediate: true })
  onMounted(() => document.addEventListener('visibilitychange', onVisibility))
  onBeforeUnmount(() => {
    document.removeEventListener('visibilitychange', onVisibility)
    close()
  })

  return { animated, playing, play, pause, toggle }
}
