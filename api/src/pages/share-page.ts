/**
 * The public page of a share, `/m/<id>`: a standalone HTML document, so link previews
 * (Open Graph, Twitter cards) see the title and the image without running the SPA.
 * Every interpolated value is escaped: the title is the captions, which anyone can write.
 * @see https://ogp.me/
 */
import { createHash } from 'node:crypto'

const SITE_NAME = 'meme-studio'

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/** Escapes text for an element's content or a quoted attribute value. */
export function escapeHtml(value: string | number): string {
  return String(value).replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char)
}

export interface SharePageView {
  title: string
  /** Absolute URL of this page. */
  pageUrl: string
  /** Absolute, lasting URL of the image, for link previews. */
  imageUrl: string
  /** The same, as a path on this site, for the page's own `<img>`. */
  imagePath: string
  /** The image's alternative text, from its captions. */
  alt: string
  /** The image, answered as an attachment. */
  downloadUrl: string
  contentType: string
  width: number
  height: number
  /** Absolute, lasting URL of the same image (memes by URL), when the meme has one. */
  imageLink?: string
}

/**
 * The page's buttons: "Copy link" and "Copy image link" each copy their read-only field (or
 * select it where the clipboard is refused), and "Share…" opens the system share sheet where
 * the browser has one. Each button is shown by this script, so without scripts only the fields
 * remain, to select and copy. Static, so the page's policy allows exactly it by its hash.
 */
const PAGE_SCRIPT = `
function copier(fieldId, buttonId, statusId, done) {
  const field = document.getElementById(fieldId)
  const button = document.getElementById(buttonId)
  const status = document.getElementById(statusId)
  if (!field || !button || !status) return
  button.hidden = false
  button.addEventListener('click', () => {
    Promise.resolve().then(() => navigator.clipboard.writeText(field.value)).then(
      () => { status.textContent = done },
      () => { field.focus(); field.select(); status.textContent = 'Press Ctrl+C or ⌘C to copy the link' },
    )
  })
}
copier('page-link', 'copy-link', 'page-link-status', 'Link copied')
copier('image-link', 'copy-image-link', 'image-link-status', 'Image link copied')
const share = document.getElementById('share')
if (share && typeof navigator.share === 'function') {
  share.hidden = false
  share.addEventListener('click', () => {
    const url = document.getElementById('page-link').value
    navigator.share({ title: document.title, url }).catch(() => {})
  })
}
`

/** @see https://www.w3.org/TR/CSP3/#grammardef-hash-source */
const PAGE_SCRIPT_HASH = `'sha256-${createHash('sha256').update(PAGE_SCRIPT).digest('base64')}'`

/**
 * The page's Content-Security-Policy: nothing but the inline style, images from this site (the
 * share's image is answered by the app) and, on a share's page, the one script of its buttons.
 */
export function sharePagePolicy({ scripts = false } = {}): string {
  return [
    "default-src 'none'",
    "img-src 'self'",
    ...(scripts ? [`script-src ${PAGE_SCRIPT_HASH}`] : []),
    "style-src 'unsafe-inline'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}

/** The studio's palette (web/src/assets/main.css): light, and dark where the system asks. */
const STYLE = `
  :root {
    color-scheme: light dark;
    --bg: #f4f5fa;
    --surface: #ffffff;
    --border: #b9bdcc;
    --text: #171923;
    --text-muted: #5a5f73;
    --accent: #6242f5;
    --accent-hover: #5232e0;
    --on-accent: #ffffff;
    --hover: #eeeaff;
    --shadow: 0 1px 2px rgb(20 22 40 / 8%), 0 8px 24px -12px rgb(20 22 40 / 24%);
  }
  @media (prefers-color-scheme: dark) {
    :root {
      --bg: #15161c;
      --surface: #1d1f28;
      --border: #464b60;
      --text: #eceef5;
      --text-muted: #a0a5b8;
      --accent: #9580ff;
      --accent-hover: #a492ff;
      --on-accent: #0f0b26;
      --hover: #232633;
      --shadow: 0 8px 24px -12px rgb(0 0 0 / 60%);
    }
  }
  * { box-sizing: border-box; }
  body {
    margin: 0;
    min-height: 100vh;
    background: var(--bg);
    color: var(--text);
    font: 16px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif;
  }
  main {
    display: grid;
    gap: 20px;
    justify-items: center;
    max-width: 960px;
    margin: 0 auto;
    padding: 24px 16px 48px;
  }
  h1 {
    margin: 0;
    font-size: 1.25rem;
    line-height: 1.3;
    text-align: center;
    overflow-wrap: anywhere;
  }
  img {
    display: block;
    max-width: 100%;
    height: auto;
    border-radius: 8px;
    box-shadow: var(--shadow);
  }
  p { margin: 0; color: var(--text-muted); text-align: center; }
  nav { display: flex; flex-wrap: wrap; gap: 10px; justify-content: center; }
  a.button, button.button {
    display: inline-flex;
    align-items: center;
    min-height: 44px;
    padding: 10px 18px;
    border: 1px solid var(--border);
    border-radius: 8px;
    background: var(--surface);
    color: var(--text);
    font-weight: 600;
    text-decoration: none;
  }
  button.button { font: inherit; font-weight: 600; cursor: pointer; }
  button.button[hidden] { display: none; }
  a.button:hover, button.button:hover { background: var(--hover); }
  .link-field { display: grid; gap: 6px; width: min(100%, 640px); }
  .link-field label { font-weight: 600; }
  .link-field div { display: flex; flex-wrap: wrap; gap: 10px; }
  .link-field input {
    flex: 1 1 10rem;
    min-width: 0;
    min-height: 44px;
    padding: 8px 12px;
    border: 1px solid var(--border);
    border-radius: 8px;
    background: var(--surface);
    color: var(--text);
    font: inherit;
  }
  .link-field [role='status'] { min-height: 1.25rem; font-size: 0.875rem; line-height: 1.25rem; text-align: left; }
  a.button.primary { border-color: var(--accent); background: var(--accent); color: var(--on-accent); }
  a.button.primary:hover { border-color: var(--accent-hover); background: var(--accent-hover); }
  a:focus-visible, button:focus-visible, input:focus-visible {
    outline: 3px solid var(--accent);
    outline-offset: 2px;
  }
`

function document(head: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="icon" href="/favicon.ico" sizes="16x16 32x32 48x48">
${head}
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`
}

const MAKE_YOUR_OWN = '<a class="button" href="/">Make your own meme</a>'

export function sharePage(view: SharePageView): string {
  const title = escapeHtml(view.title)
  const alt = escapeHtml(view.alt)
  const imageUrl = escapeHtml(view.imageUrl)
  // What a search result or a link preview says under the title (the page stays noindex).
  const description = escapeHtml(
    `${view.alt}, made with ${SITE_NAME}: download it or make your own.`,
  )
  const head = `<title>${title} — ${SITE_NAME}</title>
<meta name="description" content="${description}">
<meta property="og:description" content="${description}">
<meta property="og:site_name" content="${SITE_NAME}">
<meta property="og:type" content="website">
<meta property="og:title" content="${title}">
<meta property="og:url" content="${escapeHtml(view.pageUrl)}">
<meta property="og:image" content="${imageUrl}">
<meta property="og:image:type" content="${escapeHtml(view.contentType)}">
<meta property="og:image:width" content="${escapeHtml(view.width)}">
<meta property="og:image:height" content="${escapeHtml(view.height)}">
<meta property="og:image:alt" content="${alt}">
<meta name="twitter:card" content="summary_large_image">
<meta name="twitter:image" content="${imageUrl}">
<meta name="twitter:image:alt" content="${alt}">`
  const body = `<h1>${title}</h1>
<img src="${escapeHtml(view.imagePath)}" alt="${alt}" width="${escapeHtml(view.width)}" height="${escapeHtml(view.height)}">
<nav>
<a class="button primary" href="${escapeHtml(view.downloadUrl)}" download>Download</a>
<button class="button" type="button" id="share" hidden>Share…</button>
${MAKE_YOUR_OWN}
</nav>
${linkField('page-link', 'Link to this page', view.pageUrl, 'copy-link', 'Copy link')}${
    view.imageLink === undefined
      ? ''
      : linkField('image-link', 'Image link', view.imageLink, 'copy-image-link', 'Copy image link')
  }
<script>${PAGE_SCRIPT}</script>`
  return document(head, body)
}

/** A lasting link in a read-only field, to copy; the script only adds the button. */
function linkField(id: string, label: string, link: string, buttonId: string, button: string) {
  return `
<section class="link-field">
<label for="${id}">${label}</label>
<div>
<input id="${id}" type="url" readonly value="${escapeHtml(link)}">
<button class="button" type="button" id="${buttonId}" hidden>${button}</button>
</div>
<p id="${id}-status" role="status"></p>
</section>`
}

/** A page that says what went wrong, in words, and offers the way back. */
export function shareProblemPage(heading: string, explanation: string): string {
  return document(
    `<title>${escapeHtml(heading)} — ${SITE_NAME}</title>`,
    `<h1>${escapeHtml(heading)}</h1>
<p>${escapeHtml(explanation)}</p>
<nav>${MAKE_YOUR_OWN}</nav>`,
  )
}
