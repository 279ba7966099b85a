import type { Template } from '@meme-studio/meme-core/schema'

/** A template as `GET /api/templates` answers it; `id` names the picture and thumbnail. */
export function templateFixture(id: string, overrides: Partial<Template> = {}): Template {
  return {
    id,
    kind: 'starter',
    name: `Template ${id}`,
    tags: ['blank'],
    boxes: [
      { text: '', x: 0.5, y: 0.12, width: 0.9, height: 0.2, font: 'anton', uppercase: true },
      { text: '', x: 0.5, y: 0.88, width: 0.9, height: 0.2, font: 'anton', uppercase: true },
    ],
    width: 1024,
    height: 768,
    version: 1,
    createdAt: '2026-12-06T00:00:00.000Z',
    updatedAt: '2026-12-06T00:00:00.000Z',
    imageUrl: `http://s3.test/bucket/templates/${id}.png?X-Amz-Signature=a`,
    thumbnailUrl: `http://s3.test/bucket/templates/${id}-thumb.webp?X-Amz-Signature=b`,
    expiresAt: '2030-01-01T01:00:00.000Z',
    ...overrides,
  }
}
