import { planPictureEdits, type ImageSize } from '@meme-studio/meme-core'
import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import {
  CROP_RATIOS,
  cropToRatio,
  dragCrop,
  FULL_CROP,
  snapCrop,
  type CropHandle,
  type CropRect,
} from '@/editor/picture-edits.ts'
import { PLACEHOLDER_SIZE, useEditorStore } from './editor.ts'

/**
 * Crop mode: the picture shown whole (turned and mirrored, not cropped) under a rectangle
 * the person drags, until Apply makes it the crop or Cancel drops it.
 */
export const useCropStore = defineStore('crop', () => {
  const editor = useEditorStore()

  const active = ref(false)
  /** The rectangle being drawn, in fractions of the rotated and mirrored picture. */
  const draft = ref<CropRect>({ ...FULL_CROP })
  /** The chosen shape, a `CROP_RATIOS` value. */
  const ratio = ref('free')

  /** The picture the rectangle is drawn on: upright, turned, not cropped. */
  const rotatedSize = computed<ImageSize>(() =>
    editor.picture ? planPictureEdits(editor.picture, editor.edits).rotated : PLACEHOLDER_SIZE,
  )
  const ratioValue = computed(
    () => CROP_RATIOS.find((option) => option.value === ratio.value)?.ratio,
  )
  /** The rectangle in pixels of the picture, for what is announced and shown. */
  const draftPixels = computed(() => {
    const { crop } = planPictureEdits(rotatedSize.value, { crop: draft.value })
    return crop
  })

  function start(): void {
    if (!editor.picture) return
    draft.value = { ...(editor.edits.crop ?? FULL_CROP) }
    ratio.value = 'free'
    active.value = true
  }

  /** A fixed shape redraws the rectangle as the largest of that shape around its centre. */
  function setRatio(value: string): void {
    ratio.value = CROP_RATIOS.some((option) => option.value === value) ? value : 'free'
    if (ratioValue.value !== undefined) {
      draft.value = cropToRatio(ratioValue.value, rotatedSize.value, draft.value)
    }
  }

  /** The rectangle `from` dragged by `handle`, (dx, dy) fractions of the picture. */
  function drag(from: CropRect, handle: CropHandle, dx: number, dy: number): void {
    draft.value = dragCrop(from, handle, dx, dy, rotatedSize.value, ratioValue.value)
  }

  function apply(): void {
    if (!active.value) return
    editor.setCrop(snapCrop(draft.value, rotatedSize.value))
    active.value = false
  }

  function cancel(): void {
    active.value = false
  }

  // The rectangle was drawn on the picture as it was: another picture, or another turn or
  // mirror (undo, a restored draft), ends the crop.
  watch(
    () => [
      editor.picture,
      editor.edits.rotate,
      editor.edits.flipHorizontal,
      editor.edits.flipVertical,
    ],
    () => cancel(),
  )

  return {
    active,
    draft,
    ratio,
    ratioValue,
    rotatedSize,
    draftPixels,
    start,
    setRatio,
    drag,
    apply,
    cancel,
  }
})
