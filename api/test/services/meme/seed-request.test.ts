import { describe, expect, it } from 'vitest'
import { checkBucketAddress, seedRenderRequest } from '../../../src/services/meme/seed-request.ts'

const VIRTUAL_HOST = 'https://meme-studio-uploads.s3.eu-west-1.amazonaws.com/'
const PATH_STYLE = 'http://localhost:4569/meme-studio-uploads'

describe('checkBucketAddress', () => {
  it.each([
    [VIRTUAL_HOST, VIRTUAL_HOST],
    ['https://Meme-Studio-Uploads.S3.eu-west-1.amazonaws.com', VIRTUAL_HOST],
    ['HTTPS://meme-studio-uploads.s3.eu-west-1.amazonaws.com:443/', VIRTUAL_HOST],
    [`${PATH_STYLE}/`, PATH_STYLE],
    ['http://LOCALHOST:4569/meme-studio-uploads', PATH_STYLE],
  ])('accepts %s for %s', (given, bucket) => {
    expect(() => checkBucketAddress(given, bucket)).not.toThrow()
  })

  it.each([
    ['http://meme-studio-uploads.s3.eu-west-1.amazonaws.com/', VIRTUAL_HOST],
    ['https://other.s3.eu-west-1.amazonaws.com/', VIRTUAL_HOST],
    ['https://meme-studio-uploads.s3.eu-west-1.amazonaws.com/uploads', VIRTUAL_HOST],
    ['https://u:p@meme-studio-uploads.s3.eu-west-1.amazonaws.com/', VIRTUAL_HOST],
    ['https://meme-studio-uploads.s3.eu-west-1.amazonaws.com/#x', VIRTUAL_HOST],
    ['http://localhost:4569/MEME-STUDIO-UPLOADS', PATH_STYLE],
    ['http://localhost:4570/meme-studio-uploads', PATH_STYLE],
    ['', PATH_STYLE],
  ])('refuses %j for %s', (given, bucket) => {
    expect(() => checkBucketAddress(given, bucket)).toThrow(
      expect.objectContaining({ statusCode: 400, code: 'VALIDATION' }),
    )
  })
})

describe('seedRenderRequest', () => {
  const seed = {
    image: 'uploads/2b1c2d3e-1111-4222-8333-444455556666.png',
    bucket_address: PATH_STYLE,
    caption: 'hi',
  }
  const place = (posx: number, posy: number, scale?: number) => {
    const { captions } = seedRenderRequest({ ...seed, posx, posy, ...(scale ? { scale } : {}) })
    if (typeof captions !== 'function') throw new Error('placed before the size is known')
    return captions({ width: 800, height: 600 })
  }

  it("places the caption's centre at posx/width, posy/height, in the default style", () => {
    expect(place(200, 450, 2)).toEqual([{ text: 'hi', x: 0.25, y: 0.75, scale: 2 }])
    expect(place(0, 600)).toEqual([{ text: 'hi', x: 0, y: 1 }])
  })

  it('clamps a position past the picture to its edge', () => {
    expect(place(90_000, 601)).toEqual([{ text: 'hi', x: 1, y: 1 }])
  })
})
