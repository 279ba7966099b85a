import { onMounted, readonly, ref, type Ref } from 'vue'

/** Resolves once the page has painted: a frame, then a task after it. */
export function afterNextPaint(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)))
}

/**
 * False until the page has painted once after the component mounted. For the parts of a page
 * that the first screen does not show: built after the first paint, in a task of their own,
 * they do not hold it back.
 */
export function usePainted(): Readonly<Ref<boolean>> {
  const painted = ref(false)
  onMounted(() => void afterNextPaint().then(() => (painted.value = true)))
  return readonly(painted)
}
