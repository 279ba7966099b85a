import { afterEach, describe, expect, it, vi } from 'vitest'
import { NETWORK_FAILURE, UNREADABLE_ANSWER, UserFacingError } from '../failure-messages.ts'
import {
  deleteTemplate,
  fetchTemplate,
  fetchTemplatePicture,
  listTemplates,
  saveTemplate,
  TEMPLATE_CHANGED,
  TEMPLATE_DETAILS_REFUSED,
  TEMPLATE_PICTURE_FAILED,
  TEMPLATE_TOKEN_REFUSED,
} from '../template-api.ts'
import { FIRST_TEMPLATE_PAGE_PATH, TEMPLATE_PAGE_SIZE } from '../template-page.ts'
import { fakeApi, json } from './fake-network.ts'
import { templateFixture } from './template-fixtures.ts'

const apiError = (statusCode: number, code: string, message = 'details') =>
  json(statusCode, { statusCode, error: 'Error', message, code })

async function failureOf(promise: Promise<unknown>): Promise<UserFacingError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  expect(error).toBeInstanceOf(UserFacingError)
  return error as UserFacingError
}

afterEach(() => vi.unstubAllGlobals())

describe('listing templates', () => {
  it('sends the search trimmed, the cursor and a page size, and returns the page', async () => {
    const page = { templates: [templateFixture('blank-4x3-yellow')], nextCursor: 'c2' }
    const api = fakeApi({ '/api/templates': json(200, page) })

    expect(await listTemplates({ q: '  blank 4:3 ', cursor: 'c1' })).toEqual(page)

    const [request] = api.requestsTo('/api/templates')
    expect(Object.fromEntries(request!.url.searchParams)).toEqual({
      q: 'blank 4:3',
      cursor: 'c1',
      limit: String(TEMPLATE_PAGE_SIZE),
    })
  })

  it('asks for the first page at the very path the editor’s page preloads', async () => {
    const api = fakeApi({ '/api/templates': json(200, { templates: [], nextCursor: null }) })
    await listTemplates()
    const { url } = api.requestsTo('/api/templates')[0]!
    expect(`${url.pathname}${url.search}`).toBe(FIRST_TEMPLATE_PAGE_PATH)
  })

  it('leaves an empty search out', async () => {
    const api = fakeApi({ '/api/templates': json(200, { templates: [], nextCursor: null }) })
    await listTemplates({ q: '   ' })
    expect(api.requestsTo('/api/templates')[0]!.url.searchParams.has('q')).toBe(false)
  })

  it('asks past the browser cache when told to', async () => {
    fakeApi({ '/api/templates': json(200, { templates: [], nextCursor: null }) })
    await listTemplates({}, { fresh: true })
    expect(vi.mocked(fetch).mock.calls[0]![1]).toMatchObject({ cache: 'no-cache' })
  })

  it('refuses an answer that is not a page of templates', async () => {
    fakeApi({
      '/api/templates': json(200, { templates: [{ id: 'x', name: 'no boxes' }], nextCursor: null }),
    })
    expect((await failureOf(listTemplates())).message).toBe(UNREADABLE_ANSWER)
  })

  it('puts a refused cursor, a storage outage and no network into sentences', async () => {
    fakeApi({ '/api/templates': apiError(400, 'VALIDATION', 'querystring/cursor is not one') })
    const refused = await failureOf(listTemplates({ cursor: 'forged' }))
    expect(refused.message).not.toContain('cursor')
    expect(refused.code).toBe('VALIDATION')

    fakeApi({ '/api/templates': apiError(503, 'STORAGE_UNAVAILABLE') })
    expect((await failureOf(listTemplates())).message).toBe(
      "The picture storage isn't available right now. Please try again in a moment.",
    )

    fakeApi({ '/api/templates': 'network-error' })
    expect((await failureOf(listTemplates())).message).toBe(NETWORK_FAILURE)
  })
})

describe('one template', () => {
  it('asks for it by its id, escaped', async () => {
    const api = fakeApi({ '/api/templates/a%2Fb': json(200, templateFixture('a/b')) })
    expect((await fetchTemplate('a/b')).id).toBe('a/b')
    expect(api.requests[0]!.url.pathname).toBe('/api/templates/a%2Fb')
  })

  it('says a deleted template is gone, and keeps the code to act on', async () => {
    fakeApi({ '/api/templates/gone': apiError(404, 'TEMPLATE_NOT_FOUND', 'No template gone') })
    const failure = await failureOf(fetchTemplate('gone'))
    expect(failure.message).toBe(
      "That template isn't there any more; it may have been deleted. Choose another one.",
    )
    expect(failure.code).toBe('TEMPLATE_NOT_FOUND')
  })
})

describe('saving a template', () => {
  const body = { image: 'uploads/0b7f.png', name: 'Office cat', tags: ['cats'], boxes: [] }

  it('posts the body as JSON and returns the template with its edit token', async () => {
    const created = { template: templateFixture('office-cat'), editToken: 'tok-123' }
    const api = fakeApi({ '/api/templates': json(201, created) })

    expect(await saveTemplate(body)).toEqual(created)

    const [request] = api.requestsTo('/api/templates')
    expect(request!.method).toBe('POST')
    expect(request!.headers.get('content-type')).toBe('application/json')
    expect(JSON.parse(request!.body!)).toEqual(body)
  })

  it('refuses an answer without a token, which could never be shown again', async () => {
    fakeApi({ '/api/templates': json(201, { template: templateFixture('x'), editToken: '' }) })
    expect((await failureOf(saveTemplate(body))).code).toBe('UNREADABLE')
  })

  it('says a refused body is about the name, tags or source', async () => {
    fakeApi({ '/api/templates': apiError(400, 'VALIDATION', 'body/tags/0 must not be blank') })
    const failure = await failureOf(saveTemplate(body))
    expect(failure.message).toBe(TEMPLATE_DETAILS_REFUSED)
    expect(failure.code).toBe('VALIDATION')
  })

  it('explains an upload that expired before the save', async () => {
    fakeApi({ '/api/templates': apiError(404, 'IMAGE_NOT_FOUND') })
    const failure = await failureOf(saveTemplate(body))
    expect(failure.code).toBe('IMAGE_NOT_FOUND')
    expect(failure.message).toContain("couldn't be found any more")
  })
})

describe("a template's picture", () => {
  it('comes back as the bytes storage sent', async () => {
    fakeApi({
      '/bucket/templates/t.png': { status: 200, body: 'PNGDATA', contentType: 'image/png' },
    })
    const blob = await fetchTemplatePicture('http://s3.test/bucket/templates/t.png?sig=1')
    expect(await blob.text()).toBe('PNGDATA')
  })

  it('marks a refused URL so that fresh URLs can be asked for', async () => {
    fakeApi({
      '/bucket/templates/t.png': { status: 403, body: '<Error><Code>AccessDenied</Code></Error>' },
    })
    const failure = await failureOf(fetchTemplatePicture('http://s3.test/bucket/templates/t.png'))
    expect(failure.code).toBe('PICTURE_REFUSED')
    expect(failure.message).toBe(TEMPLATE_PICTURE_FAILED)
  })

  it('says when storage cannot be reached', async () => {
    fakeApi({ '/bucket/templates/t.png': 'network-error' })
    const failure = await failureOf(fetchTemplatePicture('http://s3.test/bucket/templates/t.png'))
    expect(failure.message).toBe(NETWORK_FAILURE)
  })
})

describe('deleting a template saved here', () => {
  const path = '/api/templates/office-cat-k3x9qa'
  const empty = { status: 204, body: '' }

  it('sends DELETE with the version it was opened at and the edit token', async () => {
    const api = fakeApi({ [path]: empty })
    await deleteTemplate('office-cat-k3x9qa', 3, 'tok-1')
    const [request] = api.requestsTo(path)
    expect(request!.method).toBe('DELETE')
    expect(request!.url.searchParams.get('version')).toBe('3')
    expect(request!.headers.get('x-edit-token')).toBe('tok-1')
  })

  it('counts a template that is already gone as deleted', async () => {
    fakeApi({ [path]: apiError(404, 'TEMPLATE_NOT_FOUND') })
    await expect(deleteTemplate('office-cat-k3x9qa', 1, 'tok-1')).resolves.toBeUndefined()
  })

  it.each([
    ['changed since it was opened', 409, 'CONFLICT', TEMPLATE_CHANGED],
    ['a token that no longer opens it', 403, 'TEMPLATE_EDIT_FORBIDDEN', TEMPLATE_TOKEN_REFUSED],
  ])('says in a sentence when the template was %s', async (_what, status, code, sentence) => {
    fakeApi({ [path]: apiError(status, code) })
    const failure = await failureOf(deleteTemplate('office-cat-k3x9qa', 1, 'tok-1'))
    expect(failure.message).toBe(sentence)
  })
})
