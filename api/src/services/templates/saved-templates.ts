import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { DeleteCommand } from '@aws-sdk/lib-dynamodb'
import type { Caption } from '@meme-studio/meme-core'
import {
  scopeAllows,
  type Template,
  type TemplateCreate,
  type TemplateUpdate,
} from '@meme-studio/meme-core/schema'
import { Type, type Static } from 'typebox'
import { Value } from 'typebox/value'
import type { ScopedApiKey } from '../../config.ts'
import { isConditionFailed, type RecordKey, type RecordStore } from '../records/record-store.ts'
import { RECORDS_LOCK_ATTRIBUTE } from '../records/records-table.ts'
import { AppError } from '../shared/app-error.ts'
import { storageUnavailable } from '../storage/s3-errors.ts'
import { starterById } from './starter-templates.ts'
import { templateNotFound } from './template-catalog.ts'

/**
 * Templates people saved: each an item of one partition `template` in the records table (sort
 * key: its id), so the gallery lists them with one query, and its picture and thumbnail in the
 * uploads bucket, `templates/<id>/<version>.<ext>` and `templates/<id>/<version>.thumb.webp`,
 * written before the record that names them (a template is visible only with its pictures).
 * Edits change the record alone, under the store's optimistic lock and the version the client
 * last saw; the picture never changes, so its key keeps the version it was saved at. Saved
 * templates never expire (no lifecycle rule covers `templates/`).
 */
const TEMPLATES_PK = 'template'

/** The version a template starts at; every edit adds one. */
const FIRST_VERSION = 1

/** How long the readable part of an id may be. */
const SLUG_LENGTH = 40

/**
 * RFC 4648's base32 alphabet in lower case: ids are typed into URLs, so no case to get wrong.
 * @see https://www.rfc-editor.org/rfc/rfc4648#section-6
 */
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'
/** 30 random bits after the slug: ids of templates with the same name do not collide in use. */
const SUFFIX_LENGTH = 6

/**
 * A saved template's id: a slug and 6 base32 characters. Also one memegen's URL form takes
 * (`memegen-url.ts`), never `custom` (that has no suffix), and checked wherever an id comes in,
 * before any store call.
 */
const SAVED_TEMPLATE_ID = new RegExp(
  `^[a-z0-9](?:[a-z0-9-]{0,${SLUG_LENGTH - 2}}[a-z0-9])?-[a-z2-7]{${SUFFIX_LENGTH}}$`,
)

/** 32 random bytes: the token is as hard to guess as a key. */
const EDIT_TOKEN_BYTES = 32

export const SavedTemplateRecordSchema = Type.Object({
  version: Type.Literal(1),
  id: Type.String(),
  name: Type.String(),
  tags: Type.Array(Type.String()),
  // Not checked again on read: the caption schema may have grown since they were saved.
  boxes: Type.Unsafe<Caption[]>(Type.Array(Type.Object({}))),
  source: Type.Optional(Type.String()),
  width: Type.Integer({ minimum: 1 }),
  height: Type.Integer({ minimum: 1 }),
  templateVersion: Type.Integer({ minimum: 1 }),
  createdAt: Type.String(),
  updatedAt: Type.String(),
  pictureKey: Type.String(),
  thumbnailKey: Type.String(),
  /** SHA-256 of the edit token, base64url: the token itself is given out once and never kept. */
  editTokenSha256: Type.String(),
})
export type SavedTemplateRecord = Static<typeof SavedTemplateRecordSchema>

export function savedTemplateKey(id: string): RecordKey {
  return { pk: TEMPLATES_PK, sk: id }
}

export function isSavedTemplateId(id: string): boolean {
  return SAVED_TEMPLATE_ID.test(id)
}

/** The folder of a template's objects: everything under it goes when the template does. */
export function templateFolder(id: string): string {
  return `templates/${id}/`
}

export function templatePictureKey(id: string, version: number, extension: string): string {
  return `${templateFolder(id)}${version}.${extension}`
}

export function templateThumbnailKey(id: string, version: number): string {
  return `${templateFolder(id)}${version}.thumb.webp`
}

/**
 * The readable part of an id: the name's letters and digits in lower case (accents dropped),
 * runs of anything else as one `-`, at most 40 characters; `template` when nothing is left.
 */
export function templateSlug(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '')
    .slice(0, SLUG_LENGTH)
    .replace(/-+$/, '')
  return slug || 'template'
}

/** A new id for a template of that name; never a starter's. */
export function newTemplateId(name: string, random: (size: number) => Buffer = randomBytes) {
  const slug = templateSlug(name)
  for (;;) {
    // 256 is a multiple of 32: the low 5 bits of a random byte are uniform.
    const suffix = Array.from(random(SUFFIX_LENGTH), (byte) => BASE32[byte & 31]).join('')
    const id = `${slug}-${suffix}`
    if (!starterById(id)) return id
  }
}

export function newEditToken(): string {
  return randomBytes(EDIT_TOKEN_BYTES).toString('base64url')
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}

export function editTokenSha256(token: string): string {
  return sha256(token).toString('base64url')
}

/** Tags as they are kept and compared: trimmed, lower-cased, each once, in the order given. */
export function normalisedTags(tags: readonly string[] = []): string[] {
  return [...new Set(tags.map((tag) => tag.trim().toLowerCase()))]
}

/** What may change a template: an admin-scope API key, or that template's edit token. */
export interface EditCredentials {
  apiKey?: string | string[]
  editToken?: string | string[]
}

/**
 * Who may edit saved templates besides their creators: the admin-scope API keys, by their
 * SHA-256, compared as `api-keys.ts` compares them (every key, the same time whatever was sent).
 */
export class TemplateEditors {
  readonly #adminKeys: Buffer[]

  constructor(keys: readonly ScopedApiKey[]) {
    this.#adminKeys = keys
      .filter(({ scope }) => scopeAllows(scope, 'admin'))
      .map(({ key }) => sha256(key))
  }

  #isAdminKey(header: string | string[] | undefined): boolean {
    if (typeof header !== 'string' || header === '') return false
    const given = sha256(header)
    let found = false
    for (const key of this.#adminKeys) if (timingSafeEqual(given, key)) found = true
    return found
  }

  /** Whether the credentials allow changing this template; both digests are 32 bytes. */
  mayEdit(record: SavedTemplateRecord, { apiKey, editToken }: EditCredentials): boolean {
    const tokenMatches =
      typeof editToken === 'string' &&
      editToken !== '' &&
      timingSafeEqual(sha256(editToken), Buffer.from(record.editTokenSha256, 'base64url'))
    return this.#isAdminKey(apiKey) || tokenMatches
  }
}

export function editForbidden(id: string): AppError {
  return new AppError(
    403,
    'TEMPLATE_EDIT_FORBIDDEN',
    `Changing template ${id} needs the edit token it was saved with (x-edit-token) or an admin API key (x-api-key)`,
  )
}

export function starterReadOnly(id: string): AppError {
  return new AppError(
    403,
    'TEMPLATE_READ_ONLY',
    `Template ${id} ships with the app and cannot be changed or deleted; save a copy instead`,
  )
}

/** 409 CONFLICT naming the version the template is at, so the client knows what to reload. */
export function staleVersion(id: string, current: number, given: number): AppError {
  return new AppError(
    409,
    'CONFLICT',
    `Template ${id} is at version ${current}, not ${given}: load it again, then redo the change`,
  )
}

/** The optional source as kept: trimmed; empty means none. */
function sourceField(source: string | undefined): { source?: string } {
  const trimmed = source?.trim()
  return trimmed ? { source: trimmed } : {}
}

export interface SavedPicture {
  extension: string
  width: number
  height: number
}

/** The record of a new template, version 1, whose pictures are about to be written. */
export function newSavedTemplate(
  id: string,
  request: TemplateCreate,
  picture: SavedPicture,
  editToken: string,
  now: Date,
): SavedTemplateRecord {
  const at = now.toISOString()
  return {
    version: 1,
    id,
    name: request.name.trim(),
    tags: normalisedTags(request.tags),
    boxes: request.boxes.map((box) => ({ ...box })),
    ...sourceField(request.source),
    width: picture.width,
    height: picture.height,
    templateVersion: FIRST_VERSION,
    createdAt: at,
    updatedAt: at,
    pictureKey: templatePictureKey(id, FIRST_VERSION, picture.extension),
    thumbnailKey: templateThumbnailKey(id, FIRST_VERSION),
    editTokenSha256: editTokenSha256(editToken),
  }
}

/** The record after an edit of the version the client saw; 409 CONFLICT for any other. */
export function editedTemplate(
  record: SavedTemplateRecord,
  change: TemplateUpdate,
  now: Date,
): SavedTemplateRecord {
  if (change.version !== record.templateVersion) {
    throw staleVersion(record.id, record.templateVersion, change.version)
  }
  const kept: SavedTemplateRecord = { ...record }
  delete kept.source
  return {
    ...kept,
    ...(change.name !== undefined ? { name: change.name.trim() } : {}),
    ...(change.tags !== undefined ? { tags: normalisedTags(change.tags) } : {}),
    ...(change.boxes !== undefined ? { boxes: change.boxes.map((box) => ({ ...box })) } : {}),
    ...sourceField(change.source ?? record.source),
    templateVersion: record.templateVersion + 1,
    updatedAt: now.toISOString(),
  }
}

/** The answer's fields of a saved template, all but its picture URLs. */
export function savedTemplateFields(
  record: SavedTemplateRecord,
): Omit<Template, 'imageUrl' | 'thumbnailUrl' | 'expiresAt'> {
  return {
    id: record.id,
    kind: 'saved',
    name: record.name,
    tags: [...record.tags],
    boxes: record.boxes.map((box) => ({ ...box })),
    ...(record.source !== undefined ? { source: record.source } : {}),
    width: record.width,
    height: record.height,
    version: record.templateVersion,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  }
}

/**
 * Whether a stored value is this template's record. Ours, but the keys it names are what get
 * presigned and deleted: they must be under this template's folder.
 */
export function isSavedTemplateRecord(value: unknown, id: string): value is SavedTemplateRecord {
  return (
    Value.Check(SavedTemplateRecordSchema, value) &&
    value.id === id &&
    value.pictureKey.startsWith(templateFolder(id)) &&
    value.thumbnailKey.startsWith(templateFolder(id))
  )
}

function checked(value: unknown, id: string): SavedTemplateRecord {
  // The table is ours alone: a record that is not a template's is a bug (500), not a 404.
  if (!isSavedTemplateRecord(value, id)) throw new Error(`the record of template ${id} is damaged`)
  return value
}

/** The template with that id and the lock version read, or undefined when there is none. */
export async function readSavedTemplate(
  records: RecordStore,
  id: string,
): Promise<{ record: SavedTemplateRecord; lockVersion: number } | undefined> {
  if (!isSavedTemplateId(id)) return undefined
  const found = await records.read(savedTemplateKey(id))
  return found && { record: checked(found.value, id), lockVersion: found.lockVersion }
}

/** Every saved template, newest first. */
export async function listSavedTemplates(records: RecordStore): Promise<SavedTemplateRecord[]> {
  const items = await records.query(TEMPLATES_PK)
  return items
    .map((item) => checked(item, item.sk))
    .sort((a, b) =>
      a.createdAt === b.createdAt
        ? a.id.localeCompare(b.id)
        : b.createdAt.localeCompare(a.createdAt),
    )
}

/**
 * Applies an edit under the optimistic lock: of two edits of the same version, one is written
 * and the other, reading again, finds the next version and is a 409.
 */
export async function editSavedTemplate(
  records: RecordStore,
  id: string,
  change: TemplateUpdate,
  now: Date,
): Promise<SavedTemplateRecord> {
  const written = await records.edit<SavedTemplateRecord>(savedTemplateKey(id), (current) => {
    if (current === undefined) throw templateNotFound(id)
    return editedTemplate(checked(current, id), change, now)
  })
  return checked(written, id)
}

/**
 * Deletes the record if nobody wrote it since it was read (its lock version is the one read):
 * false when somebody did, or it is gone.
 */
export async function deleteSavedTemplate(
  records: RecordStore,
  id: string,
  lockVersion: number,
): Promise<boolean> {
  try {
    await records.doc.send(
      new DeleteCommand({
        TableName: records.table,
        Key: savedTemplateKey(id),
        ConditionExpression: '#lock = :lock',
        ExpressionAttributeNames: { '#lock': RECORDS_LOCK_ATTRIBUTE },
        ExpressionAttributeValues: { ':lock': lockVersion },
      }),
    )
    return true
  } catch (error) {
    if (isConditionFailed(error)) return false
    throw storageUnavailable(error)
  }
}
