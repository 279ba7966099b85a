import { onScopeDispose, readonly, ref, type Ref } from 'vue'

/** Whether a CSS media query matches now, kept up to date as the window changes. */
export function useMediaQuery(query: string): Readonly<Ref<boolean>> {
  const list = typeof matchMedia === 'function' ? matchMedia(query) : undefined
  const matches = ref(list?.matches ?? false)
  const update = (event: MediaQueryListEvent) => (matches.value = event.matches)
  list?.addEventListener('change', update)
  onScopeDispose(() => list?.removeEventListener('change', update))
  return readonly(matches)
}
