import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue'

/**
 * Whether the keyboard focus is inside one of `targets`. Moving focus between two of them
 * never reads as leaving: a `focusout` names where focus goes next (`relatedTarget`), so the
 * answer changes once, not out and back in.
 */
export function useFocusWithin(targets: readonly Readonly<Ref<Element | null>>[]) {
  const within = ref(false)

  const inside = (node: EventTarget | null) =>
    node instanceof Node && targets.some((target) => target.value?.contains(node) ?? false)
  const onFocusIn = (event: FocusEvent) => (within.value = inside(event.target))
  const onFocusOut = (event: FocusEvent) => (within.value = inside(event.relatedTarget))

  onMounted(() => {
    document.addEventListener('focusin', onFocusIn)
    document.addEventListener('focusout', onFocusOut)
    within.value = inside(document.activeElement)
  })
  onBeforeUnmount(() => {
    document.removeEventListener('focusin', onFocusIn)
    document.removeEventListener('focusout', onFocusOut)
  })

  return within
}
