import { EDIT_TOKEN_HEADER } from '@meme-studio/meme-core'
import type {
  Template,
  TemplateCreate,
  TemplateCreated,
  TemplatePage,
  TemplateQuery,
} from '@meme-studio/meme-core/schema'
import { apiFailure, NETWORK_FAILURE, UserFacingError } from './failure-messages.ts'
import { isRecord, requestJson, type Shape } from './meme-api.ts'
import { TEMPLATE_PAGE_SIZE } from './template-page.ts'

export const TEMPLATE_DETAILS_REFUSED =
  "The name, tags or source weren't accepted: none may be blank or hold control characters. Check them and try again."

export const TEMPLATE_CHANGED =
  'Someone changed this template since it was opened. Choose it again from the gallery, then delete it.'

export const TEMPLATE_TOKEN_REFUSED =
  "This browser's edit token for the template was not accepted, so it stays. An admin can delete it."

export const TEMPLATE_PICTURE_FAILED =
  "We couldn't load that template's picture. Please try again in a moment."

const isNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value)
const isString = (value: unknown): value is string => typeof value === 'string'

/**
 * A template as the gallery needs it, checked by hand: the editor's bundle carries no schema
 * checker. A box needs its place; its style is whatever the server sent.
 */
const isTemplate: Shape<Template> = (value): value is Template =>
  isRecord(value) &&
  isString(value.id) &&
  isString(value.name) &&
  Array.isArray(value.tags) &&
  value.tags.every(isString) &&
  Array.isArray(value.boxes) &&
  value.boxes.length > 0 &&
  value.boxes.every(
    (box) => isRecord(box) && isString(box.text) && isNumber(box.x) && isNumber(box.y),
  ) &&
  (value.layout === undefined ||
    (isRecord(value.layout) && isString(value.layout.kind) && isNumber(value.layout.panels))) &&
  Number.isInteger(value.version) &&
  isNumber(value.width) &&
  isNumber(value.height) &&
  isString(value.imageUrl) &&
  isString(value.thumbnailUrl)

const isTemplatePage: Shape<TemplatePage> = (value): value is TemplatePage =>
  isRecord(value) &&
  Array.isArray(value.templates) &&
  value.templates.every(isTemplate) &&
  (value.nextCursor === null || isString(value.nextCursor))

const isTemplateCreated: Shape<TemplateCreated> = (value): value is TemplateCreated =>
  isRecord(value) &&
  isTemplate(value.template) &&
  isString(value.editToken) &&
  value.editToken !== ''

export interface ListOptions {
  /**
   * Skip the browser's copy: answers may be kept a minute (`private, max-age=60`), and right
   * after a save the list must show the new template.
   */
  fresh?: boolean
}

/** One page of the gallery: search by part of the name, or one tag. */
export function listTemplates(
  query: TemplateQuery = {},
  { fresh = false }: ListOptions = {},
): Promise<TemplatePage> {
  const params = new URLSearchParams()
  if (query.q?.trim()) params.set('q', query.q.trim())
  if (query.tag) params.set('tag', query.tag)
  if (query.cursor) params.set('cursor', query.cursor)
  params.set('limit', String(query.limit ?? TEMPLATE_PAGE_SIZE))
  return requestJson(`/api/templates?${params}`, fresh ? { cache: 'no-cache' } : {}, isTemplatePage)
}

/** One template, with picture URLs fresh for an hour. */
export function fetchTemplate(id: string): Promise<Template> {
  return requestJson(`/api/templates/${encodeURIComponent(id)}`, {}, isTemplate)
}

/** A refused save is about what was typed in the dialog, not about captions. */
function saveFailure(status: number, body: string): UserFacingError {
  const failure = apiFailure(status, body)
  return failure.code === 'VALIDATION'
    ? new UserFacingError(TEMPLATE_DETAILS_REFUSED, failure.code)
    : failure
}

/** Saves an upload and its boxes as a template; the answer's edit token is given only now. */
export function saveTemplate(body: TemplateCreate): Promise<TemplateCreated> {
  return requestJson(
    '/api/templates',
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    },
    isTemplateCreated,
    saveFailure,
  )
}

/**
 * The template's picture, from its presigned URL in the bucket. A refusal (the URL's hour is
 * over) is `PICTURE_REFUSED`, so the caller can ask for fresh URLs and try once more.
 */
export async function fetchTemplatePicture(url: string): Promise<Blob> {
  let response: Response
  try {
    response = await fetch(url)
  } catch {
    throw new UserFacingError(NETWORK_FAILURE, 'NETWORK')
  }
  if (!response.ok) throw new UserFacingError(TEMPLATE_PICTURE_FAILED, 'PICTURE_REFUSED')
  try {
    return await response.blob()
  } catch {
    throw new UserFacingError(TEMPLATE_PICTURE_FAILED, 'NETWORK')
  }
}

/** A refused delete, in words about the template rather than about captions. */
function deleteFailure(status: number, body: string): UserFacingError {
  const failure = apiFailure(status, body)
  if (failure.code === 'CONFLICT') return new UserFacingError(TEMPLATE_CHANGED, failure.code)
  if (failure.code === 'TEMPLATE_EDIT_FORBIDDEN' || failure.code === 'TEMPLATE_READ_ONLY') {
    return new UserFacingError(TEMPLATE_TOKEN_REFUSED, failure.code)
  }
  return failure
}

const isNothing = (value: unknown): value is undefined => value === undefined

/**
 * Deletes a template this browser saved, at the version it was opened at. One that is already
 * gone counts as deleted: what was asked for is true.
 */
export async function deleteTemplate(
  id: string,
  version: number,
  editToken: string,
): Promise<void> {
  try {
    await requestJson(
      `/api/templates/${encodeURIComponent(id)}?version=${version}`,
      { method: 'DELETE', headers: { [EDIT_TOKEN_HEADER]: editToken } },
      isNothing,
      deleteFailure,
    )
  } catch (failure) {
    if (failure instanceof UserFacingError && failure.code === 'TEMPLATE_NOT_FOUND') return
    throw failure
  }
}
