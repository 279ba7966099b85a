/** A bundle as `vite build` hands it to the build plugins, for their tests. */
import type { Rolldown } from 'vite'

type OutputAsset = Rolldown.OutputAsset
type OutputBundle = Rolldown.OutputBundle
type OutputChunk = Rolldown.OutputChunk

export const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <title>meme-studio</title>
    <script type="module" crossorigin src="/assets/index-1.js"></script>
    <link rel="modulepreload" crossorigin href="/assets/vue-1.js">
    <link rel="stylesheet" crossorigin href="/assets/index-1.css">
  </head>
  <body><div id="app"></div></body>
</html>
`

function chunk(fileName: string, imports: string[], css: string[] = [], facade?: string) {
  return {
    type: 'chunk',
    fileName,
    code: `export const name = '${fileName}'\n`,
    imports,
    isEntry: fileName.startsWith('assets/index-'),
    facadeModuleId: facade ?? null,
    viteMetadata: { importedCss: new Set(css), importedAssets: new Set() },
  } as unknown as OutputChunk
}

/** The entry, the editor's route and the admin's. */
export function build(): OutputBundle {
  const files = [
    chunk('assets/index-1.js', ['assets/vue-1.js'], ['assets/index-1.css']),
    chunk('assets/vue-1.js', []),
    chunk(
      'assets/EditorView-1.js',
      ['assets/vue-1.js', 'assets/editor-1.js'],
      ['assets/EditorView-1.css'],
      '/repo/web/src/views/EditorView.vue',
    ),
    chunk('assets/editor-1.js', ['assets/vue-1.js', 'assets/limits-1.js'], ['assets/index-1.css']),
    chunk('assets/limits-1.js', []),
    chunk(
      'assets/AdminView-1.js',
      ['assets/vue-1.js'],
      ['assets/AdminView-1.css'],
      '/repo/web/src/views/AdminView.vue',
    ),
    { type: 'asset', fileName: 'index.html', source: PAGE } as unknown as OutputAsset,
  ]
  return Object.fromEntries(files.map((file) => [file.fileName, file]))
}
