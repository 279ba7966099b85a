/** color-name ships no types: CSS's named colours as [r, g, b]. */
declare module 'color-name' {
  const colors: Record<string, [number, number, number]>
  export default colors
}
