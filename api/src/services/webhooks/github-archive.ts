import { createReadStream, createWriteStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Transform, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import type { S3Client } from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { fetch, ProxyAgent, type Response } from 'undici'
import yauzl from 'yauzl'
import yazl from 'yazl'
import type { AppConfig } from '../../config.ts'
import { AppError } from '../shared/app-error.ts'
import { storageUnavailable } from '../storage/s3-errors.ts'

/**
 * Turns a push into a zip in the archive bucket, for CodePipeline's S3 source. GitHub's archive
 * URL is built here from GITHUB_BASE_URL; the other hosts' come from `archive-source.ts`, and
 * take the same path from there on (download, checks, root folder, upload).
 *
 * The archive is downloaded to a temporary file first (bounded and counted as it streams),
 * so that a failed or oversized download never reaches S3; only a complete, valid zip is
 * uploaded. Stripping GitHub's `<repo>-<sha>/` top folder streams entry by entry from that
 * file (yauzl) into a new zip (yazl) and on into a multipart upload: the archive is never
 * held in memory, and an error on the way leaves no object (a single-part upload is only
 * sent once the stream has ended; a multipart one is aborted).
 *
 * @see https://docs.github.com/en/repositories/working-with-files/using-files/downloading-source-code-archives
 * @see https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-S3.html
 */

export interface ArchiveRequest {
  owner: string
  repo: string
  branch: string
  /** The push's `after`: the pushed commit, so a later push cannot race this one. */
  sha: string
  /** Object key in the archive bucket, e.g. `${prefix}${owner}/${repo}/${branch}.zip`. */
  key: string
  /** Remove GitHub's `<repo>-<sha>/` top folder so the zip holds the repository root. */
  stripRoot: boolean
  /** Stored as `x-amz-meta-*`; values that are not printable ASCII are RFC 2047 encoded. */
  metadata: Record<string, string>
  /** The archive's URL, on baseUrl's origin; default GitHub's `{owner}/{repo}/archive/{sha}.zip`. */
  source?: URL
}

export interface ArchiveSettings {
  /** Archives are downloaded from `{baseUrl}/{owner}/{repo}/archive/{sha}.zip`. */
  baseUrl: string
  /** Sent as `Authorization: Bearer <token>`, only to baseUrl's origin. */
  token?: string
  /** Other headers sent only to baseUrl's origin (GitLab's PRIVATE-TOKEN). */
  headers?: Record<string, string>
  /** The host's name in messages; default GitHub. */
  label?: string
  /** An http(s) proxy for every request of the download. */
  proxy?: string
  /** Hosts (`host[:port]`) redirects may lead to; anything else fails the download. */
  allowedHosts: string[]
  /** The whole download, every try and backoff included. */
  timeoutMs: number
  maxBytes: number
  /** Tries in all; only 5xx answers and network errors are tried again. */
  tries: number
  /** Wait before the second try; each later wait is three times the one before. */
  backoffMs?: number
  /** Where downloads wait while they are checked and rewritten; default `os.tmpdir()`. */
  tempDir?: string
}

export interface StoredArchive {
  key: string
  /** Set when the bucket keeps versions (AWS with versioning on; not the embedded S3). */
  versionId?: string
  /** Size of the stored object. */
  bytes: number
  sha: string
  /** False when the archive had no single top folder and was stored as GitHub sent it. */
  strippedRoot: boolean
}

/** The archive could not be fetched from GitHub; the message says why. Nothing was stored. */
export class ArchiveDownloadError extends AppError {
  /**
   * True when a later try may succeed: GitHub answered 5xx on every try, could not be reached,
   * or was too slow. False when no retry mends it (404, too large, not a zip, a bad redirect).
   */
  readonly transient: boolean

  constructor(message: string, options?: { cause?: unknown; transient?: boolean }) {
    super(502, 'ARCHIVE_DOWNLOAD_FAILED', message, options)
    this.name = 'ArchiveDownloadError'
    this.transient = options?.transient ?? false
  }
}

/** A failure worth another try: a 5xx answer (network errors are the other kind). */
class TransientFailure extends Error {}

/**
 * The whole download, every try included: 100 MiB at about 1.2 MB/s. The archive worker's try
 * (this, then the upload) must end inside the time the archives queue hides a message
 * (QUEUE_VISIBILITY_SECONDS, 120 s, locally; the queue's visibility timeout and the control
 * function's timeout on AWS), or another receive would start the same archive.
 */
export const ARCHIVE_DOWNLOAD_TIMEOUT_MS = 90_000

const TEMP_PREFIX = 'meme-studio-archive-'
const MAX_REDIRECTS = 5
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308])
const USER_AGENT = 'meme-studio-archiver'

export function archiveSettings(config: AppConfig): ArchiveSettings {
  const base = new URL(config.github.baseUrl)
  // github.com answers archive URLs with a redirect to codeload.github.com; GitHub Enterprise
  // Server with subdomain isolation does the same with codeload.<its host>.
  const allowedHosts = [base.host, `codeload.${base.host}`]
  return {
    baseUrl: config.github.baseUrl,
    ...(config.github.token ? { token: config.github.token } : {}),
    ...(config.httpsProxy ? { proxy: config.httpsProxy } : {}),
    allowedHosts,
    // The archive worker downloads after GitHub was answered, so GitHub's 10 s no longer bounds
    // it (see ARCHIVE_DOWNLOAD_TIMEOUT_MS).
    timeoutMs: ARCHIVE_DOWNLOAD_TIMEOUT_MS,
    maxBytes: 100 * 1024 * 1024,
    tries: 3,
    backoffMs: 200,
  }
}

/**
 * `beforeUpload` runs once the archive is downloaded and before anything is sent to S3; if it
 * throws, nothing is stored (the archive worker checks there that its lease is still its own).
 */
export async function archivePush(
  s3: S3Client,
  bucket: string,
  request: ArchiveRequest,
  settings: ArchiveSettings,
  beforeUpload?: () => Promise<void>,
): Promise<StoredArchive> {
  const dir = await mkdtemp(join(settings.tempDir ?? tmpdir(), TEMP_PREFIX))
  const dispatcher = settings.proxy ? new ProxyAgent(settings.proxy) : undefined
  try {
    const file = join(dir, 'archive.zip')
    const source =
      request.source ??
      new URL(
        `${settings.baseUrl.replace(/\/+$/, '')}/${[request.owner, request.repo, 'archive', `${request.sha}.zip`].map(encodeURIComponent).join('/')}`,
      )
    await download(source, file, settings, dispatcher)
    await beforeUpload?.()
    const params = {
      Bucket: bucket,
      Key: request.key,
      ContentType: 'application/zip',
      ServerSideEncryption: 'AES256' as const,
      Metadata: headerSafe(request.metadata),
    }
    if (request.stripRoot) {
      const stripped = await storeWithoutRootFolder(s3, params, file)
      if (stripped) return { key: request.key, sha: request.sha, strippedRoot: true, ...stripped }
    } else {
      // Not rewritten, but still refused when the host's bytes are not a zip.
      await checkZip(file)
    }
    const { size } = await stat(file)
    let versionId: string | undefined
    try {
      versionId = await upload(s3, { ...params, Body: createReadStream(file), ContentLength: size })
    } catch (error) {
      throw storageUnavailable(error)
    }
    return { key: request.key, versionId, bytes: size, sha: request.sha, strippedRoot: false }
  } finally {
    await dispatcher?.destroy()
    await rm(dir, { recursive: true, force: true })
  }
}

/** Downloads to `file`, trying again on 5xx and network errors, all within the timeout. */
async function download(
  source: URL,
  file: string,
  settings: ArchiveSettings,
  dispatcher: ProxyAgent | undefined,
): Promise<void> {
  const signal = AbortSignal.timeout(settings.timeoutMs)
  const host = settings.label ?? 'GitHub'
  const timedOut = (cause: unknown) =>
    new ArchiveDownloadError(`${host} did not send the archive within ${settings.timeoutMs} ms`, {
      cause,
      transient: true,
    })
  for (let attempt = 1; ; attempt++) {
    try {
      await downloadOnce(source, file, settings, dispatcher, signal)
      return
    } catch (error) {
      if (signal.aborted) throw timedOut(error)
      if (error instanceof ArchiveDownloadError) throw error
      if (attempt >= settings.tries) {
        const why =
          error instanceof TransientFailure ? error.message : `${host} could not be reached`
        throw new ArchiveDownloadError(`${why} (${attempt} tries)`, {
          cause: error,
          transient: true,
        })
      }
    }
    try {
      await sleep((settings.backoffMs ?? 200) * 3 ** (attempt - 1), undefined, { signal })
    } catch (error) {
      throw timedOut(error)
    }
  }
}

async function downloadOnce(
  source: URL,
  file: string,
  settings: ArchiveSettings,
  dispatcher: ProxyAgent | undefined,
  signal: AbortSignal,
): Promise<void> {
  const response = await fetchFollowingRedirects(source, settings, dispatcher, signal)
  const host = settings.label ?? 'GitHub'
  if (response.status >= 500) {
    await response.body?.cancel()
    throw new TransientFailure(`${host} answered ${response.status}`)
  }
  if (response.status !== 200) {
    await response.body?.cancel()
    throw new ArchiveDownloadError(`${host} answered ${response.status} for the archive`)
  }
  const tooLarge = () =>
    new ArchiveDownloadError(`The archive is larger than ${settings.maxBytes} bytes`)
  const announced = Number(response.headers.get('content-length') ?? Number.NaN)
  if (announced > settings.maxBytes) {
    await response.body?.cancel()
    throw tooLarge()
  }
  let bytes = 0
  const capped = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length
      callback(bytes > settings.maxBytes ? tooLarge() : null, chunk)
    },
  })
  // A new try starts the file afresh ('w' truncates).
  await pipeline(response.body ?? [], capped, createWriteStream(file))
}

/**
 * Follows redirects itself so that each target is checked against the allowed hosts before
 * anything is sent to it. The token goes only to baseUrl's origin: GitHub's redirect to
 * codeload carries its own short-lived token in the URL, and a token must never reach a
 * host it was not issued for.
 */
async function fetchFollowingRedirects(
  source: URL,
  settings: ArchiveSettings,
  dispatcher: ProxyAgent | undefined,
  signal: AbortSignal,
): Promise<Response> {
  const origin = new URL(settings.baseUrl).origin
  const host = settings.label ?? 'GitHub'
  let current = source
  for (let redirects = 0; ; redirects++) {
    const headers: Record<string, string> = { accept: 'application/zip', 'user-agent': USER_AGENT }
    if (current.origin === origin) {
      if (settings.token) headers.authorization = `Bearer ${settings.token}`
      Object.assign(headers, settings.headers)
    }
    const response = await fetch(current, {
      headers,
      redirect: 'manual',
      signal,
      ...(dispatcher ? { dispatcher } : {}),
    })
    if (!REDIRECT_STATUSES.has(response.status)) return response
    await response.body?.cancel()
    const location = response.headers.get('location')
    if (!location)
      throw new ArchiveDownloadError(`${host} answered ${response.status} with no Location`)
    if (redirects === MAX_REDIRECTS) {
      throw new ArchiveDownloadError(`${host} redirected more than ${MAX_REDIRECTS} times`)
    }
    const next = new URL(location, current)
    if (!settings.allowedHosts.includes(next.host) || !/^https?:$/.test(next.protocol)) {
      throw new ArchiveDownloadError(`${host} redirected to ${next.host}, which is not allowed`)
    }
    if (current.protocol === 'https:' && next.protocol !== 'https:') {
      throw new ArchiveDownloadError(`${host} redirected from https to http, which is not allowed`)
    }
    current = next
  }
}

type UploadParams = ConstructorParameters<typeof Upload>[0]['params']

/** Uploads `params.Body`; on failure nothing is left at the key (see the module comment). */
async function upload(s3: S3Client, params: UploadParams): Promise<string | undefined> {
  const transfer = new Upload({ client: s3, params })
  try {
    const result = await transfer.done()
    return result.VersionId
  } catch (error) {
    await transfer.abort()
    throw error
  }
}

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    // Names are validated (no absolute paths, no `..`) by yauzl's defaults.
    yauzl.open(file, { lazyEntries: true, autoClose: false }, (error, zip) => {
      if (error) reject(notAZip(error))
      else resolve(zip)
    })
  })
}

function readEntries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = []
    zip.on('entry', (entry: yauzl.Entry) => {
      entries.push(entry)
      zip.readEntry()
    })
    zip.once('end', () => resolve(entries))
    zip.once('error', (error: unknown) => reject(notAZip(error)))
    zip.readEntry()
  })
}

function notAZip(cause: unknown): ArchiveDownloadError {
  return new ArchiveDownloadError('The host sent an archive that is not a valid zip', { cause })
}

/** Reads the central directory: a truncated or foreign file fails here, before upload. */
async function checkZip(file: string): Promise<void> {
  const zip = await openZip(file)
  try {
    await readEntries(zip)
  } finally {
    zip.close()
  }
}

/** The single folder every entry sits in (`<repo>-<sha>/`), if there is one. */
function topFolder(entries: yauzl.Entry[]): string | undefined {
  const first = entries[0]?.fileName
  const slash = first?.indexOf('/') ?? -1
  if (!first || slash <= 0) return undefined
  const top = first.slice(0, slash + 1)
  return entries.every((entry) => entry.fileName.startsWith(top)) ? top : undefined
}

/**
 * Rewrites the zip without its top folder, straight into S3. Returns undefined (nothing
 * uploaded) when the archive has no single top folder to strip.
 */
async function storeWithoutRootFolder(
  s3: S3Client,
  params: Omit<UploadParams, 'Body'>,
  file: string,
): Promise<{ versionId?: string; bytes: number } | undefined> {
  const zip = await openZip(file)
  try {
    const entries = await readEntries(zip)
    const top = topFolder(entries)
    if (!top) return undefined

    let zipFailure: unknown
    let bytes = 0
    const body = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        bytes += chunk.length
        callback(null, chunk)
      },
    })
    // Failing the body fails the upload before its last (or only) part is sent.
    const fail = (error: unknown) => {
      zipFailure ??= error
      body.destroy(error instanceof Error ? error : new Error(String(error)))
    }
    const output = new yazl.ZipFile()
    output.on('error', fail)
    output.outputStream.on('error', fail)
    output.outputStream.pipe(body)
    try {
      for (const entry of entries) {
        const name = entry.fileName.slice(top.length)
        if (!name) continue
        // The high 16 bits are the Unix mode (file type included, so symlinks stay links).
        const mode = entry.externalFileAttributes >>> 16
        const mtime = entry.getLastModDate()
        if (name.endsWith('/')) {
          output.addEmptyDirectory(name, { mtime, ...(mode ? { mode } : {}) })
          continue
        }
        const options = {
          mtime,
          size: entry.uncompressedSize,
          compress: entry.compressionMethod !== 0,
          ...(mode ? { mode } : {}),
        }
        output.addReadStreamLazy(name, options, (callback) => {
          zip.openReadStream(entry, (error, stream) => {
            if (error) return callback(error, undefined as unknown as Readable)
            stream.on('error', fail)
            callback(null, stream)
          })
        })
      }
      // git archive puts the commit id in the zip comment; keep it when it is plain text.
      const comment = /^[\x20-\x7e]*$/.test(zip.comment) ? zip.comment : ''
      output.end({ forceZip64Format: false, comment })
    } catch (error) {
      fail(error)
    }

    try {
      const versionId = await upload(s3, { ...params, Body: body })
      return { versionId, bytes }
    } catch (error) {
      body.destroy()
      if (zipFailure) throw notAZip(zipFailure)
      throw storageUnavailable(error)
    }
  } finally {
    zip.close()
  }
}

/** S3 sends metadata as HTTP headers; anything but printable ASCII is RFC 2047 encoded. */
function headerSafe(metadata: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(metadata).map(([name, value]) => [
      name,
      /^[\x20-\x7e]*$/.test(value)
        ? value
        : `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`,
    ]),
  )
}
