import type { Plugin } from 'vite'
import { FIRST_TEMPLATE_PAGE_PATH } from '../src/api/template-page.ts'
import { firstLoad } from './first-load.ts'

/**
 * Two pages from one build. `index.html`, what `/` answers, is the editor's page: besides the
 * app's entry it names the editor's own chunks (`modulepreload`) and styles, so the browser
 * fetches them with the entry instead of after it has run. On a phone, that round trip came
 * between the first byte and the editor's first paint. `app.html` is the same page without
 * them, for every other client-side route (`/admin`, a mistyped path), which would otherwise
 * fetch an editor they do not show. The local server (api `app-base.ts`) and CloudFront's
 * viewer-request function (infra `site.ts`) send `app.html` for those paths.
 *
 * `index.html` also names the gallery's first page (`preload`, as a fetch): its answer comes
 * with the scripts, and the editor's first paint, which waits for it a little (the router's
 * `galleryFirst`), shows the templates rather than placeholders that a second layout of the
 * page then replaces. The API's path is the same under any `base`: it is not the app's.
 *
 * The gallery's page is named after the scripts: the local server answers requests in turn, and
 * the page can use the templates only once its scripts have come. Both pages name their
 * stylesheets after `#app`, at the end of the body (`stylesAfterApp`).
 */
export function editorPage(): Plugin {
  let base = '/'
  return {
    name: 'meme-studio:editor-page',
    apply: 'build',
    enforce: 'post',
    configResolved(config) {
      base = config.base
    },
    generateBundle(_options, bundle) {
      const page = bundle['index.html']
      if (page?.type !== 'asset' || typeof page.source !== 'string') {
        this.error('index.html is not in the build')
      }
      const load = firstLoad(bundle)
      if (typeof load === 'string') this.error(load)
      const { byName, entry: loaded, editor: scripts } = load
      const loadedStyles = new Set(
        [...loaded].flatMap((name) => [...(byName.get(name)?.viteMetadata?.importedCss ?? [])]),
      )
      const styles = scripts
        .flatMap((name) => [...(byName.get(name)?.viteMetadata?.importedCss ?? [])])
        .filter((name) => !loadedStyles.has(name))

      this.emitFile({ type: 'asset', fileName: 'app.html', source: stylesAfterApp(page.source) })
      const links = [
        ...[...new Set(styles)].map(
          (name) => `<link rel="stylesheet" crossorigin href="${base}${name}">`,
        ),
        ...scripts.map((name) => `<link rel="modulepreload" crossorigin href="${base}${name}">`),
        `<link rel="preload" as="fetch" crossorigin href="${FIRST_TEMPLATE_PAGE_PATH}">`,
      ]
      page.source = stylesAfterApp(
        page.source.replace('</head>', `  ${links.join('\n    ')}\n  </head>`),
      )
    },
  }
}

const STYLESHEET = /[ \t]*<link rel="stylesheet"[^>]*>\n/g

/**
 * Moves a page's stylesheets from its head to the end of its body, after `#app`. In the head they
 * block rendering: Chromium draws no frame of the page until every one has come. If they come
 * after the compositor's first frame, Chromium submits frames of an empty page that are never
 * shown, slows the page's frames to one a second, and the first paint came 1 or 2 s late: in 3
 * to 5 of 10 phone runs of `/` on this machine, with the three stylesheets answered 150 to 300
 * ms after the page. At the end of the body they hold only the parser, which has nothing left
 * to show: the page's first frame, blank (`#app` is empty until the app mounts), is drawn at
 * once. The parser waits at each stylesheet until it has come, and the app's module script runs
 * only once parsing is done, so the app never shows anything without its styles.
 */
export function stylesAfterApp(html: string): string {
  const sheets = html.match(STYLESHEET) ?? []
  if (sheets.length === 0) return html
  return html
    .replace(STYLESHEET, '')
    .replace(
      /\n?[ \t]*<\/body>/,
      `\n${sheets.map((tag) => `    ${tag.trim()}\n`).join('')}  </body>`,
    )
}
