import type { Rolldown } from 'vite'
import { describe, expect, it } from 'vitest'
import { editorPage } from '../editor-page.ts'
import { build, PAGE } from './bundle-fixture.ts'

type OutputAsset = Rolldown.OutputAsset
type OutputBundle = Rolldown.OutputBundle

function run(bundle: OutputBundle) {
  const plugin = editorPage()
  const emitted: { fileName?: string; source?: unknown }[] = []
  const context = {
    emitFile: (file: { fileName?: string; source?: unknown }) => emitted.push(file),
    error: (message: string) => {
      throw new Error(message)
    },
  }
  ;(plugin.configResolved as unknown as (config: { base: string }) => void)({ base: '/' })
  ;(plugin.generateBundle as unknown as (this: typeof context, ...args: unknown[]) => void).call(
    context,
    {},
    bundle,
    false,
  )
  return emitted
}

describe('the editor’s page', () => {
  it('names the editor’s chunks and styles in index.html, and nothing the entry already has', () => {
    const bundle = build()
    run(bundle)
    const page = (bundle['index.html'] as OutputAsset).source as string
    const named = [
      ...page.matchAll(/<link rel="(\w+)"(?: as="fetch")? crossorigin href="([^"]+)">/g),
    ].map(([, rel, href]) => `${rel} ${href}`)
    expect(named).toEqual([
      'modulepreload /assets/vue-1.js',
      'modulepreload /assets/EditorView-1.js',
      'modulepreload /assets/editor-1.js',
      'modulepreload /assets/limits-1.js',
      'preload /api/templates?limit=12',
      'stylesheet /assets/index-1.css',
      'stylesheet /assets/EditorView-1.css',
    ])
    expect(page).toContain(
      '<link rel="preload" as="fetch" crossorigin href="/api/templates?limit=12">',
    )
    expect(page).not.toContain('AdminView')
    expect(page.indexOf('EditorView-1.js')).toBeLessThan(page.indexOf('</head>'))
  })

  it('names every stylesheet after #app, none in the head, so no first frame waits for one', () => {
    const bundle = build()
    const [app] = run(bundle)
    for (const page of [(bundle['index.html'] as OutputAsset).source as string, app!.source]) {
      const html = page as string
      const head = html.slice(0, html.indexOf('</head>'))
      expect(head).not.toContain('stylesheet')
      const sheets = [...html.matchAll(/<link rel="stylesheet"/g)].map((match) => match.index)
      expect(sheets.length).toBeGreaterThan(0)
      for (const at of sheets) {
        expect(at).toBeGreaterThan(html.indexOf('<div id="app"></div>'))
        expect(at).toBeLessThan(html.indexOf('</body>'))
      }
    }
  })

  it('writes app.html, the page of every other route, as the build made it but for its styles', () => {
    const emitted = run(build())
    expect(emitted).toEqual([
      {
        type: 'asset',
        fileName: 'app.html',
        source: PAGE.replace(
          '    <link rel="stylesheet" crossorigin href="/assets/index-1.css">\n',
          '',
        ).replace(
          '</body>',
          '\n    <link rel="stylesheet" crossorigin href="/assets/index-1.css">\n  </body>',
        ),
      },
    ])
  })

  it('stops the build when the editor’s route has no chunk of its own', () => {
    const bundle = build()
    delete bundle['assets/EditorView-1.js']
    expect(() => run(bundle)).toThrow(/EditorView\.vue/)
  })
})
