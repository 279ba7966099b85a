import { useEditorStore } from '@/stores/editor.ts'
import type { Picture } from '@/picture/picture-decode.ts'

/** An 800 x 600 picture in the editor, as if chosen (an active Pinia is needed). */
export function withPicture() {
  const editor = useEditorStore()
  editor.picture = {
    width: 800,
    height: 600,
    type: 'image/png',
    file: new File([], 'cat.png'),
    url: 'blob:cat',
    image: new Image(),
  } satisfies Picture
  return editor
}
