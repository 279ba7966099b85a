import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { composeLayout, uploadPictureFile } from '../layout-api.ts'
import { UNREADABLE_ANSWER, UserFacingError } from '../failure-messages.ts'
import { FakeXhr, fakeApi, json } from './fake-network.ts'

const RESULT = {
  key: 'uploads/5f0c2a4e-8d1b-4c3a-9e7f-0a1b2c3d4e5f.jpg',
  contentType: 'image/jpeg',
  width: 1600,
  height: 800,
  imageUrl: 'http://s3.test/meme-studio-uploads/uploads/5f0c.jpg?X-Amz-Signature=abc',
  expiresAt: '2030-01-01T00:15:00.000Z',
}

const SIGNED = {
  url: 'http://s3.test/meme-studio-uploads',
  fields: { key: 'uploads/0b7f.png', 'Content-Type': 'image/png', Policy: 'eyJ9' },
  key: 'uploads/0b7f.png',
  expiresAt: '2030-01-01T00:05:00.000Z',
  maxBytes: 1024,
}

const file = (size: number, name = 'Été à Paris.png') =>
  new File([new Uint8Array(size)], name, { type: 'image/png' })

beforeEach(() => FakeXhr.install())
afterEach(() => vi.unstubAllGlobals())

describe('composeLayout', () => {
  it('posts the kind and keys and answers the new upload', async () => {
    const api = fakeApi({ '/api/layouts': json(201, RESULT) })
    const request = { kind: 'side-by-side' as const, images: ['uploads/a.png', 'uploads/b.jpg'] }
    await expect(composeLayout(request)).resolves.toEqual(RESULT)
    const [sent] = api.requestsTo('/api/layouts')
    expect(sent?.method).toBe('POST')
    expect(sent?.headers.get('content-type')).toBe('application/json')
    expect(JSON.parse(sent!.body!)).toEqual(request)
  })

  it.each([
    ['a key outside uploads/', { ...RESULT, key: 'renders/x.jpg' }],
    ['a type it never sends', { ...RESULT, contentType: 'image/gif' }],
    ['no size', { ...RESULT, width: undefined }],
    ['no URL', { ...RESULT, imageUrl: 42 }],
  ])('refuses an answer with %s', async (_, answer) => {
    fakeApi({ '/api/layouts': json(201, answer) })
    await expect(
      composeLayout({ kind: 'caption-above', images: ['uploads/a.png'] }),
    ).rejects.toMatchObject({ message: UNREADABLE_ANSWER, code: 'UNREADABLE' })
  })

  it('puts a refusal into words, keeping its code', async () => {
    fakeApi({
      '/api/layouts': json(404, {
        statusCode: 404,
        error: 'Not Found',
        code: 'IMAGE_NOT_FOUND',
        message: 'That upload does not exist or has expired',
      }),
    })
    const failure = await composeLayout({ kind: 'caption-above', images: ['uploads/a.png'] }).catch(
      (error: unknown) => error,
    )
    expect(failure).toBeInstanceOf(UserFacingError)
    expect(failure).toMatchObject({ code: 'IMAGE_NOT_FOUND' })
    expect((failure as Error).message).toMatch(/couldn't be found/)
  })
})

describe('uploadPictureFile', () => {
  it('signs with a safe name of the right extension, uploads with progress, answers the key', async () => {
    const api = fakeApi({ '/api/sign-s3-request': json(200, SIGNED) })
    const progress: number[] = []
    const uploading = uploadPictureFile(file(100), 'image/png', (percent) => progress.push(percent))
    await vi.waitFor(() => expect(FakeXhr.sent).toHaveLength(1))
    const [sign] = api.requestsTo('/api/sign-s3-request')
    expect(sign?.url.searchParams.get('filename')).toBe('Ete-a-Paris.png')
    expect(sign?.url.searchParams.get('contentType')).toBe('image/png')
    FakeXhr.sent[0]!.progress(50, 100)
    FakeXhr.sent[0]!.respond(204)
    await expect(uploading).resolves.toBe(SIGNED.key)
    expect(progress).toEqual([50, 100])
  })

  it('refuses a file over the policy’s limit without uploading it', async () => {
    fakeApi({ '/api/sign-s3-request': json(200, SIGNED) })
    await expect(uploadPictureFile(file(2048), 'image/png', () => undefined)).rejects.toMatchObject(
      { code: 'TOO_LARGE' },
    )
    expect(FakeXhr.sent).toHaveLength(0)
  })
})
