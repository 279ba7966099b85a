import {
  CAPTION_LIMITS,
  DEFAULT_BOTTOM_CAPTION,
  DEFAULT_TOP_CAPTION,
  type Caption,
} from '@meme-studio/meme-core'
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { failureSentence, UserFacingError } from '@/api/failure-messages.ts'
import { renderMeme, signUpload } from '@/api/meme-api.ts'
import { uploadToS3 } from '@/api/s3-upload.ts'
import { memeImageFromBase64, releaseMemeImage, type MemeImage } from '@/meme/meme-image.ts'
import {
  checkPictureDimensions,
  checkPictureFile,
  tooLargeMessage,
  uploadFilename,
} from '@/picture/picture-check.ts'
import { decodePicture, releasePicture, type Picture } from '@/picture/picture-decode.ts'
import { useLimitsStore } from './limits.ts'

/** A caption box in the editor: the caption the API gets, plus what the form calls it. */
export interface EditorCaption {
  id: number
  label: string
  caption: Caption
}

export type GeneratePhase = 'idle' | 'uploading' | 'rendering'

const UNREADABLE_PICTURE =
  "We couldn't open that picture; it may be damaged. Choose another JPEG, PNG, WebP or GIF."

// The API refuses control characters (they have no glyph); a pasted tab becomes a space.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g

export function cleanCaptionText(text: string): string {
  return text.replace(CONTROL_CHARACTERS, ' ').slice(0, CAPTION_LIMITS.maxTextLength)
}

export const useEditorStore = defineStore('editor', () => {
  const limitsStore = useLimitsStore()

  let nextCaptionId = 1
  const newCaption = (label: string, position: { x: number; y: number }): EditorCaption => ({
    id: nextCaptionId++,
    label,
    caption: { text: '', ...position },
  })
  const captions = ref<EditorCaption[]>([
    newCaption('Top text', DEFAULT_TOP_CAPTION),
    newCaption('Bottom text', DEFAULT_BOTTOM_CAPTION),
  ])

  const picture = shallowRef<Picture | null>(null)
  const pictureError = ref<string | null>(null)
  const openingPicture = ref(false)
  const phase = ref<GeneratePhase>('idle')
  const uploadPercent = ref(0)
  const generateError = ref<string | null>(null)
  const meme = shallowRef<MemeImage | null>(null)

  /** The picture already in S3, so new captions on the same picture skip the upload. */
  let uploaded: { file: File; key: string } | undefined
  /** Only the latest chosen file may become the picture. */
  let pictureRequest = 0

  const captionsToRender = computed<Caption[]>(() =>
    captions.value
      .map(({ caption }) => ({ ...caption, text: caption.text.trim() }))
      .filter((caption) => caption.text !== ''),
  )
  const busy = computed(() => phase.value !== 'idle')

  /** Why Generate is unavailable, in words; undefined when it is ready. */
  const generateBlocker = computed(() => {
    const hasText = captionsToRender.value.length > 0
    if (!picture.value && !hasText) return 'Choose a picture and write a caption to begin.'
    if (!picture.value) return 'Choose a picture to go with your caption.'
    if (!hasText) return 'Write a top or bottom text to generate your meme.'
    return undefined
  })
  const canGenerate = computed(
    () => !busy.value && !openingPicture.value && generateBlocker.value === undefined,
  )

  function setCaptionText(id: number, text: string): void {
    const entry = captions.value.find((candidate) => candidate.id === id)
    if (entry) entry.caption.text = cleanCaptionText(text)
  }

  function showMeme(next: MemeImage | null): void {
    if (meme.value) releaseMemeImage(meme.value)
    meme.value = next
  }

  function adoptPicture(next: Picture): void {
    if (picture.value) releasePicture(picture.value)
    picture.value = next
    uploaded = undefined
    generateError.value = null
    showMeme(null)
  }

  /** Checks, decodes and adopts a file; a refusal is explained in `pictureError`. */
  async function choosePicture(file: File): Promise<void> {
    if (busy.value) return
    const request = ++pictureRequest
    const isLatest = () => request === pictureRequest
    pictureError.value = null
    openingPicture.value = true
    try {
      const limits = await limitsStore.load()
      const check = await checkPictureFile(file, limits)
      if (!isLatest()) return
      if (!check.ok) {
        pictureError.value = check.message
        return
      }
      let decoded: Picture
      try {
        decoded = await decodePicture(file, check.type)
      } catch {
        if (isLatest()) pictureError.value = UNREADABLE_PICTURE
        return
      }
      const size = checkPictureDimensions(decoded.width, decoded.height, limits.maxPixels)
      if (!isLatest() || !size.ok) {
        releasePicture(decoded)
        if (isLatest() && !size.ok) pictureError.value = size.message
        return
      }
      adoptPicture(decoded)
    } finally {
      if (isLatest()) openingPicture.value = false
    }
  }

  function clearPictureError(): void {
    pictureError.value = null
  }

  async function uploadPicture(chosen: Picture): Promise<string> {
    if (uploaded?.file === chosen.file) return uploaded.key
    phase.value = 'uploading'
    uploadPercent.value = 0
    const signed = await signUpload(uploadFilename(chosen.file.name, chosen.type), chosen.type)
    if (chosen.file.size > signed.maxBytes) {
      throw new UserFacingError(tooLargeMessage(chosen.file.size, signed.maxBytes), 'TOO_LARGE')
    }
    await uploadToS3(signed, chosen.file, (percent) => (uploadPercent.value = percent))
    uploaded = { file: chosen.file, key: signed.key }
    return signed.key
  }

  /** Uploads the picture (once), renders the captions on the server and shows the result. */
  async function generate(): Promise<void> {
    const chosen = picture.value
    if (!chosen || !canGenerate.value) return
    // No format: the server answers in the picture's own (a GIF's first frame as PNG).
    const captionsRequested = captionsToRender.value
    generateError.value = null
    try {
      const key = await uploadPicture(chosen)
      phase.value = 'rendering'
      const rendered = await renderMeme({ image: key, captions: captionsRequested })
      showMeme(memeImageFromBase64(rendered.data, rendered.type))
    } catch (error) {
      // The object may have expired from storage: upload again on the next try.
      if (error instanceof UserFacingError && error.code === 'IMAGE_NOT_FOUND') uploaded = undefined
      generateError.value = failureSentence(error)
    } finally {
      phase.value = 'idle'
      uploadPercent.value = 0
    }
  }

  return {
    captions,
    picture,
    pictureError,
    openingPicture,
    phase,
    uploadPercent,
    generateError,
    meme,
    captionsToRender,
    busy,
    generateBlocker,
    canGenerate,
    setCaptionText,
    choosePicture,
    clearPictureError,
    generate,
  }
})
