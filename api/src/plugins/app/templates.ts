import {
  DeleteObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import type {
  Template,
  TemplateCreate,
  TemplateCreated,
  TemplatePage,
  TemplateQuery,
  TemplateUpdate,
} from '@meme-studio/meme-core/schema'
import fp from 'fastify-plugin'
import type { AppConfig } from '../../config.ts'
import { presignGetObject } from '../../services/storage/presign.ts'
import { isMissing, storageUnavailable } from '../../services/storage/s3-errors.ts'
import {
  deleteSavedTemplate,
  editForbidden,
  editSavedTemplate,
  listSavedTemplates,
  newEditToken,
  newSavedTemplate,
  newTemplateId,
  readSavedTemplate,
  savedTemplateFields,
  savedTemplateKey,
  staleVersion,
  starterReadOnly,
  TemplateEditors,
  type EditCredentials,
  type SavedTemplateRecord,
} from '../../services/templates/saved-templates.ts'
import {
  pageOf,
  templateNotFound,
  type TemplateForRender,
} from '../../services/templates/template-catalog.ts'
import { templatePicture } from '../../services/templates/template-picture.ts'
import {
  drawStarterPicture,
  drawThumbnail,
  STARTER_TEMPLATES,
  starterById,
  starterPictureKey,
  STARTERS_RELEASED,
  starterThumbnailKey,
  type StarterTemplate,
} from '../../services/templates/starter-templates.ts'

export interface TemplateService {
  /** What a render needs: null when no template has that id. */
  forRender(id: string): Promise<TemplateForRender | null>
  /** One page of the gallery: saved templates newest first, then the starters. */
  list(query: TemplateQuery): Promise<TemplatePage>
  /** One template; 404 TEMPLATE_NOT_FOUND when none has that id. */
  get(id: string): Promise<Template>
  /** Saves an upload and its boxes as a new template; its edit token is in the answer only. */
  create(request: TemplateCreate): Promise<TemplateCreated>
  /** Edits a saved template's name, tags, boxes or source, at the version the client saw. */
  update(id: string, change: TemplateUpdate, credentials: EditCredentials): Promise<Template>
  /** Deletes a saved template at the version the client saw: its record, then its pictures. */
  remove(id: string, version: number, credentials: EditCredentials): Promise<void>
  /**
   * Stores the starters' pictures and thumbnails that the bucket lacks, in the gallery's order
   * and one starter at a time (a first start draws them all, about a second of work), so that
   * the first visitor's gallery does not wait for them to be drawn.
   */
  prepareStarters(): Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    templates: TemplateService
  }
}

/** How long a template's image URLs work; answers that carry them are cached for far less. */
export const TEMPLATE_URL_SECONDS = 60 * 60

/**
 * Puts an object in the bucket unless it is there. Starters' objects are the same bytes every
 * time, so two first uses (here or in another process) that both write both succeed and leave
 * the same object: no lock needed.
 */
async function ensureObject(
  s3: S3Client,
  bucket: string,
  key: string,
  contentType: string,
  draw: () => Promise<Buffer>,
): Promise<string> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))
    return key
  } catch (error) {
    if (!isMissing(error)) throw storageUnavailable(error)
  }
  const body = await draw()
  try {
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }),
    )
  } catch (error) {
    throw storageUnavailable(error)
  }
  return key
}

/** The app's templates: the starters it ships with, and those people saved. */
export default fp<{ config: AppConfig }>(
  async (app, { config }) => {
    const bucket = config.uploadBucket
    const editors = new TemplateEditors(config.adminApiKeys)
    // One write per object per process; a failed one is forgotten so the next use retries.
    const ensured = new Map<string, Promise<string>>()
    function once(key: string, contentType: string, draw: () => Promise<Buffer>) {
      let pending = ensured.get(key)
      if (!pending) {
        pending = ensureObject(app.s3, bucket, key, contentType, draw)
        ensured.set(key, pending)
        pending.catch(() => ensured.delete(key))
      }
      return pending
    }
    const starterPicture = (starter: StarterTemplate) =>
      once(starterPictureKey(starter), 'image/png', () => drawStarterPicture(starter))
    /** A starter's picture and thumbnail keys, both stored; the picture drawn once for both. */
    function starterObjects(starter: StarterTemplate): Promise<[string, string]> {
      let drawn: Promise<Buffer> | undefined
      const draw = () => (drawn ??= drawStarterPicture(starter))
      return Promise.all([
        once(starterPictureKey(starter), 'image/png', draw),
        once(starterThumbnailKey(starter), 'image/webp', async () => drawThumbnail(await draw())),
      ])
    }

    async function withUrls(
      fields: Omit<Template, 'imageUrl' | 'thumbnailUrl' | 'expiresAt'>,
      pictureKey: string,
      thumbnailKey: string,
    ): Promise<Template> {
      const now = new Date()
      const presign = (key: string) =>
        presignGetObject(app.s3, bucket, key, { expiresInSeconds: TEMPLATE_URL_SECONDS, now })
      const [image, thumb] = await Promise.all([presign(pictureKey), presign(thumbnailKey)])
      return { ...fields, imageUrl: image.url, thumbnailUrl: thumb.url, expiresAt: image.expiresAt }
    }

    async function describe(starter: StarterTemplate): Promise<Template> {
      const [picture, thumbnail] = await starterObjects(starter)
      const fields = {
        id: starter.id,
        kind: 'starter' as const,
        name: starter.name,
        tags: [...starter.tags],
        boxes: starter.boxes.map((box) => ({ ...box })),
        ...(starter.layout ? { layout: { ...starter.layout } } : {}),
        width: starter.width,
        height: starter.height,
        version: starter.version,
        createdAt: STARTERS_RELEASED,
        updatedAt: STARTERS_RELEASED,
      }
      return withUrls(fields, picture, thumbnail)
    }

    const describeSaved = (record: SavedTemplateRecord) =>
      withUrls(savedTemplateFields(record), record.pictureKey, record.thumbnailKey)

    async function put(key: string, body: Buffer, contentType: string): Promise<void> {
      try {
        await app.s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentType: contentType,
            ServerSideEncryption: 'AES256',
          }),
        )
      } catch (error) {
        throw storageUnavailable(error)
      }
    }

    /** Removes objects; what could not be removed is logged, not thrown: nothing names them. */
    async function removeObjects(keys: readonly string[], why: string): Promise<void> {
      await Promise.all(
        keys.map(async (key) => {
          try {
            await app.s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }))
          } catch (error) {
            app.log.error({ err: error, key }, `${why}: object not removed`)
          }
        }),
      )
    }

    /** The saved template an edit or delete names, once the caller may change it. */
    async function editable(id: string, credentials: EditCredentials) {
      if (starterById(id)) throw starterReadOnly(id)
      const found = await readSavedTemplate(app.records, id)
      if (!found) throw templateNotFound(id)
      if (!editors.mayEdit(found.record, credentials)) throw editForbidden(id)
      return found
    }

    app.decorate('templates', {
      async forRender(id) {
        const starter = starterById(id)
        if (starter) {
          return {
            id: starter.id,
            version: starter.version,
            pictureKey: await starterPicture(starter),
            boxes: starter.boxes.map((box) => ({ ...box })),
          }
        }
        const saved = await readSavedTemplate(app.records, id)
        if (!saved) return null
        const { record } = saved
        return {
          id: record.id,
          version: record.templateVersion,
          pictureKey: record.pictureKey,
          boxes: record.boxes.map((box) => ({ ...box })),
        }
      },
      async list({ limit = 24, ...query }) {
        const saved = await listSavedTemplates(app.records)
        const all = [
          ...saved.map((record) => ({ name: record.name, tags: record.tags, record })),
          ...STARTER_TEMPLATES.map((starter) => ({
            name: starter.name,
            tags: starter.tags,
            starter,
          })),
        ]
        const { items, nextCursor } = pageOf(all, { ...query, limit })
        const templates = await Promise.all(
          items.map((item) =>
            'record' in item ? describeSaved(item.record) : describe(item.starter),
          ),
        )
        return { templates, nextCursor }
      },
      async prepareStarters() {
        for (const starter of STARTER_TEMPLATES) {
          await starterObjects(starter)
        }
      },
      async get(id) {
        const starter = starterById(id)
        if (starter) return describe(starter)
        const saved = await readSavedTemplate(app.records, id)
        if (!saved) throw templateNotFound(id)
        return describeSaved(saved.record)
      },
      async create(request) {
        const picture = await app.withUploadPicture(request.image, (decoded) =>
          templatePicture(decoded, config.maxUploadBytes),
        )
        const editToken = newEditToken()
        let record: SavedTemplateRecord | undefined
        // 30 random bits per id: a second try is already a one-in-a-billion event.
        for (let attempt = 0; !record; attempt += 1) {
          const id = newTemplateId(request.name)
          // Objects are written before the record: an id some record holds is not written over.
          if (await app.records.get(savedTemplateKey(id))) {
            if (attempt >= 2) throw new Error('three template ids in a row were taken')
            continue
          }
          record = newSavedTemplate(id, request, picture, editToken, new Date())
        }
        const keys = [record.pictureKey, record.thumbnailKey]
        const key = savedTemplateKey(record.id)
        try {
          await put(record.pictureKey, picture.bytes, picture.contentType)
          await put(record.thumbnailKey, picture.thumbnail, 'image/webp')
        } catch (error) {
          await removeObjects(keys, `template ${record.id} not saved`)
          throw error
        }
        let created: boolean
        try {
          created = await app.records.create(key, record)
        } catch (error) {
          // A write that timed out may have landed all the same: its pictures are removed only
          // once the record is known to be absent, never from under a saved template.
          const stored = await app.records.get(key).then(
            (value) => value?.editTokenSha256 === record.editTokenSha256,
            () => undefined,
          )
          if (stored) return { template: await describeSaved(record), editToken }
          if (stored === false) await removeObjects(keys, `template ${record.id} not saved`)
          throw error
        }
        if (!created) {
          // Another save took the id between the check and now (30 random bits: about never);
          // the pictures under it are that template's now, so they stay.
          throw new Error(`template id ${record.id} was taken while its pictures were written`)
        }
        return { template: await describeSaved(record), editToken }
      },
      async update(id, change, credentials) {
        await editable(id, credentials)
        return describeSaved(await editSavedTemplate(app.records, id, change, new Date()))
      },
      async remove(id, version, credentials) {
        const { record, lockVersion } = await editable(id, credentials)
        if (record.templateVersion !== version) {
          throw staleVersion(id, record.templateVersion, version)
        }
        if (!(await deleteSavedTemplate(app.records, id, lockVersion))) {
          // Edited or deleted since it was read: say which.
          const now = await readSavedTemplate(app.records, id)
          if (!now) throw templateNotFound(id)
          throw staleVersion(id, now.record.templateVersion, version)
        }
        await removeObjects([record.pictureKey, record.thumbnailKey], `template ${id} deleted`)
      },
    } satisfies TemplateService)
  },
  { name: 'templates', dependencies: ['storage', 'records', 'memes'] },
)
