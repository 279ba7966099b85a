/**
 * The render function's Lambda entry point: memes, shares and their pages, jobs. It carries
 * sharp, Skia and the fonts; see `entry-points.ts` for which paths it serves.
 */
import render from './functions/render.ts'
import { lambdaHandler } from './lambda-handler.ts'

export const handler = await lambdaHandler(render)
