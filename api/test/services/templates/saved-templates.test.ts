import { createHash } from 'node:crypto'
import { parseImageUrlPath } from '@meme-studio/meme-core'
import type { TemplateCreate } from '@meme-studio/meme-core/schema'
import { describe, expect, it } from 'vitest'
import {
  editedTemplate,
  editTokenSha256,
  isSavedTemplateId,
  isSavedTemplateRecord,
  newEditToken,
  newSavedTemplate,
  newTemplateId,
  normalisedTags,
  TemplateEditors,
  templateSlug,
  type SavedTemplateRecord,
} from '../../../src/services/templates/saved-templates.ts'
import { starterById } from '../../../src/services/templates/starter-templates.ts'
import { memePicture } from '../../../src/services/templates/template-catalog.ts'

const BOX = { text: '', x: 0.5, y: 0.1 }
const REQUEST: TemplateCreate = {
  image: 'uploads/2b1c2d3e-1111-4222-8333-444455556666.jpg',
  name: ' Drake ',
  tags: ['Reaction', 'reaction '],
  boxes: [BOX],
  source: '  ',
}
const PICTURE = { extension: 'jpg', width: 640, height: 480 }
const NOW = new Date('2026-12-06T10:00:00.000Z')

/** Random bytes that spell out `text` in the ids' base32 (a = 0 … z = 25, 2 = 26 … 7 = 31). */
function spelling(...texts: string[]) {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567'
  let call = 0
  return (size: number) => {
    const text = texts[Math.min(call++, texts.length - 1)]!
    expect(text).toHaveLength(size)
    // The high bits are ignored: a byte of 0x20 + n spells the same as n.
    return Buffer.from(Array.from(text, (char) => 0x20 + alphabet.indexOf(char)))
  }
}

describe('template ids', () => {
  it.each([
    ['Drake hotline', 'drake-hotline'],
    ['  Two   Buttons!! ', 'two-buttons'],
    ['Crème brûlée', 'creme-brulee'],
    ['<script>alert(1)</script>', 'script-alert-1-script'],
    ['../../etc/passwd', 'etc-passwd'],
    ['☃☃☃', 'template'],
    ['---', 'template'],
    ['a'.repeat(39) + ' b', 'a'.repeat(39)],
    ['x'.repeat(100), 'x'.repeat(40)],
  ])('slugs %j as %j', (name, slug) => {
    expect(templateSlug(name)).toBe(slug)
    expect(templateSlug(name).length).toBeLessThanOrEqual(40)
  })

  it('adds 6 base32 characters, giving an id memegen URLs take', () => {
    for (const name of ['Drake', 'x'.repeat(100), '☃', 'Custom']) {
      const id = newTemplateId(name)
      expect(id).toMatch(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?-[a-z2-7]{6}$/)
      expect(isSavedTemplateId(id)).toBe(true)
      expect(parseImageUrlPath(`${id}/top/bottom.png`).template).toBe(id)
      expect(id).not.toBe('custom')
    }
  })

  it('draws again rather than give a starter’s id', () => {
    // "yellow" is six base32 letters: "Blank square" could draw a starter's id.
    expect(starterById('blank-square-yellow')).toBeDefined()
    const id = newTemplateId('Blank square', spelling('yellow', 'drakes'))
    expect(id).toBe('blank-square-drakes')
  })

  it.each(['custom', 'Drake-aaaaaa', 'drake-aaaaa', 'drake-aaaaa1', '-aaaaaa', 'a/b-aaaaaa', ''])(
    'refuses %j as a saved id',
    (id) => expect(isSavedTemplateId(id)).toBe(false),
  )
})

describe('edit tokens', () => {
  it('are 32 random bytes, base64url, kept as their SHA-256 only', () => {
    const token = newEditToken()
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(Buffer.from(token, 'base64url')).toHaveLength(32)
    expect(newEditToken()).not.toBe(token)
    const record = newSavedTemplate('drake-aaaaaa', REQUEST, PICTURE, token, NOW)
    expect(JSON.stringify(record)).not.toContain(token)
    expect(record.editTokenSha256).toBe(
      createHash('sha256').update(token).digest().toString('base64url'),
    )
  })
})

/** The token with its first character changed (never the same character). */
const otherFirst = (token: string) => `${token.startsWith('A') ? 'B' : 'A'}${token.slice(1)}`

describe('TemplateEditors', () => {
  const token = newEditToken()
  const record = newSavedTemplate('drake-aaaaaa', REQUEST, PICTURE, token, NOW)
  const editors = new TemplateEditors([
    { key: 'the-admin-key', scope: 'admin' },
    { key: 'the-tools-key', scope: 'tools' },
    { key: 'the-jobs-key', scope: 'jobs' },
  ])

  it.each([
    ['the edit token', { editToken: token }, true],
    ['an admin key', { apiKey: 'the-admin-key' }, true],
    ['an admin key with a wrong token', { apiKey: 'the-admin-key', editToken: 'x' }, true],
    ['a token with a wrong key', { apiKey: 'nope', editToken: token }, true],
    ['nothing', {}, false],
    ['a tools key', { apiKey: 'the-tools-key' }, false],
    ['a jobs key', { apiKey: 'the-jobs-key' }, false],
    ['an unknown key', { apiKey: 'the-admin-key ' }, false],
    ['an empty token', { editToken: '' }, false],
    ['the token with a character changed', { editToken: otherFirst(token) }, false],
    ['the stored digest as token', { editToken: record.editTokenSha256 }, false],
    ['the token twice (an array header)', { editToken: [token, token] }, false],
  ])('with %s: %s', (_, credentials, allowed) => {
    expect(editors.mayEdit(record, credentials)).toBe(allowed)
  })
})

describe('records', () => {
  const record = newSavedTemplate('drake-aaaaaa', REQUEST, PICTURE, 'token', NOW)

  it('keep the name trimmed, tags trimmed, lower-cased and once, no blank source', () => {
    expect(record).toMatchObject({
      id: 'drake-aaaaaa',
      name: 'Drake',
      tags: ['reaction'],
      boxes: [BOX],
      templateVersion: 1,
      pictureKey: 'templates/drake-aaaaaa/1.jpg',
      thumbnailKey: 'templates/drake-aaaaaa/1.thumb.webp',
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
    })
    expect(record).not.toHaveProperty('source')
    expect(normalisedTags([' A ', 'b', 'a', 'B '])).toEqual(['a', 'b'])
  })

  it('take an edit of their version, adding one, and refuse any other with the current one', () => {
    const later = new Date('2026-12-07T00:00:00.000Z')
    const edited = editedTemplate(record, { version: 1, source: 'Drake', tags: [' X '] }, later)
    expect(edited).toMatchObject({
      name: 'Drake',
      tags: ['x'],
      source: 'Drake',
      templateVersion: 2,
      pictureKey: record.pictureKey,
      createdAt: record.createdAt,
      updatedAt: later.toISOString(),
    })
    expect(editedTemplate(edited, { version: 2, source: '' }, later)).not.toHaveProperty('source')
    expect(editedTemplate(edited, { version: 2 }, later).source).toBe('Drake')
    expect(() => editedTemplate(edited, { version: 1, name: 'x' }, later)).toThrow(
      expect.objectContaining({
        statusCode: 409,
        code: 'CONFLICT',
        message:
          'Template drake-aaaaaa is at version 2, not 1: load it again, then redo the change',
      }),
    )
  })

  it.each([
    ['another id', { id: 'other-aaaaaa' }],
    ['a picture outside its folder', { pictureKey: 'uploads/x.png' }],
    ['a thumbnail in another template’s folder', { thumbnailKey: 'templates/other-aaaaaa/1.webp' }],
    ['version 0', { templateVersion: 0 }],
    ['no token digest', { editTokenSha256: undefined }],
  ])('are not taken with %s', (_, change) => {
    const damaged = { ...record, ...change } as SavedTemplateRecord
    expect(isSavedTemplateRecord(damaged, 'drake-aaaaaa')).toBe(false)
  })

  it('are taken as written', () => {
    expect(isSavedTemplateRecord(record, 'drake-aaaaaa')).toBe(true)
    expect(editTokenSha256('token')).toBe(record.editTokenSha256)
  })
})

describe('memePicture', () => {
  it('takes exactly one of image and template', () => {
    expect(memePicture({ image: REQUEST.image })).toEqual({ kind: 'upload', key: REQUEST.image })
    expect(memePicture({ template: 'drake-aaaaaa' })).toEqual({
      kind: 'template',
      id: 'drake-aaaaaa',
    })
    for (const both of [{ image: REQUEST.image, template: 'drake-aaaaaa' }, {}]) {
      expect(() => memePicture(both)).toThrow(
        expect.objectContaining({ statusCode: 400, code: 'VALIDATION' }),
      )
    }
  })
})
