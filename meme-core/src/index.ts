export * from './caption-model.ts'
export * from './caption-layout.ts'
export * from './caption-draw.ts'
export * from './picture-formats.ts'
