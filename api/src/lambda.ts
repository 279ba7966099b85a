/**
 * The single function's entry point, until the stack points at `lambda-render.ts` and
 * `lambda-control.ts`: the render function's handler under the old name.
 * @public named by the stack (infra/lib/api-stack.ts), not imported
 */
export { handler } from './lambda-render.ts'
