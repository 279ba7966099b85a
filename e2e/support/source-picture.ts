import { writeFile } from 'node:fs/promises'
import { createCanvas } from '@napi-rs/canvas'

export interface SourcePicture {
  path: string
  bytes: Buffer
  width: number
  height: number
  mimeType: 'image/jpeg'
}

const SOURCE_WIDTH = 800
const SOURCE_HEIGHT = 600

/**
 * Draws the picture the journey uploads: a mid-tone gradient with shapes, every colour
 * channel kept within 40..210, so the white fill and black outline of a caption stand out
 * from it and a region that was not captioned can be told apart from one that was.
 * It is drawn the same way on every run; nothing random.
 */
export async function writeSourcePicture(path: string): Promise<SourcePicture> {
  const canvas = createCanvas(SOURCE_WIDTH, SOURCE_HEIGHT)
  const ctx = canvas.getContext('2d')

  const background = ctx.createLinearGradient(0, 0, SOURCE_WIDTH, SOURCE_HEIGHT)
  background.addColorStop(0, 'rgb(70, 110, 150)')
  background.addColorStop(0.5, 'rgb(130, 150, 120)')
  background.addColorStop(1, 'rgb(190, 140, 90)')
  ctx.fillStyle = background
  ctx.fillRect(0, 0, SOURCE_WIDTH, SOURCE_HEIGHT)

  ctx.fillStyle = 'rgb(180, 90, 80)'
  ctx.beginPath()
  ctx.arc(200, 300, 110, 0, Math.PI * 2)
  ctx.fill()

  ctx.fillStyle = 'rgb(80, 150, 100)'
  ctx.fillRect(480, 200, 220, 180)

  ctx.strokeStyle = 'rgb(60, 70, 160)'
  ctx.lineWidth = 12
  ctx.beginPath()
  ctx.moveTo(40, 560)
  ctx.lineTo(400, 420)
  ctx.lineTo(760, 560)
  ctx.stroke()

  ctx.fillStyle = 'rgb(200, 180, 110)'
  ctx.beginPath()
  ctx.moveTo(400, 40)
  ctx.lineTo(470, 160)
  ctx.lineTo(330, 160)
  ctx.closePath()
  ctx.fill()

  const bytes = await canvas.encode('jpeg', 92)
  await writeFile(path, bytes)
  return { path, bytes, width: SOURCE_WIDTH, height: SOURCE_HEIGHT, mimeType: 'image/jpeg' }
}
