import type { FastifyInstance } from 'fastify'
import { makePicture } from './pictures.ts'

/** Does what the browser does: asks for a policy, then POSTs the form with the file last. */
export async function uploadThroughPolicy(
  app: FastifyInstance,
  file: Buffer,
  filename: string,
  contentType: string,
): Promise<{ key: string; status: number; body: string }> {
  const signed = await app.inject({
    method: 'GET',
    url: '/api/sign-s3-request',
    query: { filename, contentType },
  })
  if (signed.statusCode !== 200) throw new Error(`sign failed: ${signed.body}`)
  const { url, fields, key } = signed.json<{
    url: string
    fields: Record<string, string>
    key: string
  }>()
  const form = new FormData()
  for (const [name, value] of Object.entries(fields)) form.append(name, value)
  form.append('file', new Blob([new Uint8Array(file)], { type: contentType }), filename)
  const response = await fetch(url, { method: 'POST', body: form })
  return { key, status: response.status, body: await response.text() }
}

/** Draws a test picture and uploads it through the signed policy; answers its key. */
export async function uploadPicture(
  app: FastifyInstance,
  format: 'jpeg' | 'png' | 'webp' = 'jpeg',
  width = 320,
  height = 240,
): Promise<string> {
  const extension = format === 'jpeg' ? 'jpg' : format
  const { key } = await uploadThroughPolicy(
    app,
    await makePicture(format, width, height),
    `photo.${extension}`,
    `image/${format}`,
  )
  return key
}
