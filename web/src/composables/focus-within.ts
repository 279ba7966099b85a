import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue'

/**
 * Whether the keyboard focus is inside one of `targets`. Moving focus between two of them
 * never reads as leaving: a `focusout` names where focus goes next (`relatedTarget`), so the
 * answer changes once, not out and back in.
 *
 * While a pointer is pressed the answer waits for its release (and the click that follows
 * it): a layout that follows the answer (a phone's compact preview) must not move under a
 * press, or the release lands elsewhere and the click is lost.
 */
export function useFocusWithin(targets: readonly Readonly<Ref<Element | null>>[]) {
  const within = ref(false)
  let pressed = false
  let waiting: boolean | undefined
  let flushTimer: ReturnType<typeof setTimeout> | undefined

  const inside = (node: EventTarget | null) =>
    node instanceof Node && targets.some((target) => target.value?.contains(node) ?? false)
  const settle = (value: boolean) => {
    if (pressed) waiting = value
    else within.value = value
  }
  const onFocusIn = (event: FocusEvent) => settle(inside(event.target))
  const onFocusOut = (event: FocusEvent) => settle(inside(event.relatedTarget))
  const onPointerDown = () => {
    clearTimeout(flushTimer)
    pressed = true
  }
  // The click comes after `pointerup` in the same task: the answer changes in the next one.
  const onPointerUp = () => {
    pressed = false
    flushTimer = setTimeout(() => {
      if (waiting !== undefined) within.value = waiting
      waiting = undefined
    })
  }

  onMounted(() => {
    document.addEventListener('focusin', onFocusIn)
    document.addEventListener('focusout', onFocusOut)
    document.addEventListener('pointerdown', onPointerDown, true)
    document.addEventListener('pointerup', onPointerUp, true)
    document.addEventListener('pointercancel', onPointerUp, true)
    within.value = inside(document.activeElement)
  })
  onBeforeUnmount(() => {
    clearTimeout(flushTimer)
    document.removeEventListener('focusin', onFocusIn)
    document.removeEventListener('focusout', onFocusOut)
    document.removeEventListener('pointerdown', onPointerDown, true)
    document.removeEventListener('pointerup', onPointerUp, true)
    document.removeEventListener('pointercancel', onPointerUp, true)
  })

  return within
}
