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
  /** Absolute, presigned URL of the image. */
  imageUrl: string
  /** The same image, answered as an attachment. */
  downloadUrl: string
  contentType: string
  width: number
  height: number
  /** Absolute, lasting URL of the same image (memes by URL), when the meme has one. */
  imageLink?: string
}

/**
 * "Copy image link": shows the button (without scripts the link stays in its read-only field,
 * to select and copy) and copies the field's value, or selects it where the clipboard is
 * refused. Static, so the page's policy allows exactly it by its hash.
 */
const COPY_LINK_SCRIPT = `
const field = document.getElementById('image-link')
const button = document.getElementById('copy-image-link')
const status = document.getElementById('image-link-status')
button.hidden = false
button.addEventListener('click', () => {
  navigator.clipboard.writeText(field.value).then(
    () => { status.textContent = 'Image link copied' },
    () => { field.focus(); field.select(); status.textContent = 'Press Ctrl+C or ⌘C to copy the link' },
  )
})
`

/** @see https://www.w3.org/TR/CSP3/#grammardef-hash-source */
const COPY_LINK_SCRIPT_HASH = `'sha256-${createHash('sha256').update(COPY_LINK_SCRIPT).digest('base64')}'`

/**
 * The page's Content-Security-Policy: nothing but the inline style and images from this
 * site and the storage origin the presigned URLs point at, and on a page with an image link,
 * the one script that copies it.
 */
export function sharePagePolicy(imageOrigin?: string, { copyLink = false } = {}): string {
  return [
    "default-src 'none'",
    imageOrigin ? `img-src 'self' ${imageOrigin}` : "img-src 'self'",
    ...(copyLink ? [`script-src ${COPY_LINK_SCRIPT_HASH}`] : []),
    "style-src 'unsafe-inline'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}

const STYLE = `
  :root { color-scheme: dark; }
  * { box-sizing: border-box; }
  body {
    margin: 0;
    min-height: 100vh;
    background: #15161c;
    color: #eceef5;
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
    box-shadow: 0 8px 24px -12px rgb(0 0 0 / 60%);
  }
  p { margin: 0; color: #a0a5b8; text-align: center; }
  nav { display: flex; flex-wrap: wrap; gap: 10px; justify-content: center; }
  a.button, button.button {
    display: inline-flex;
    align-items: center;
    min-height: 44px;
    padding: 10px 18px;
    border: 1px solid #464b60;
    border-radius: 8px;
    color: #eceef5;
    font-weight: 600;
    text-decoration: none;
  }
  button.button { background: none; font: inherit; font-weight: 600; cursor: pointer; }
  button.button[hidden] { display: none; }
  a.button:hover, button.button:hover { background: #232633; }
  .image-link { display: grid; gap: 8px; width: min(100%, 640px); }
  .image-link label { font-weight: 600; }
  .image-link div { display: flex; flex-wrap: wrap; gap: 10px; }
  .image-link input {
    flex: 1 1 16rem;
    min-height: 44px;
    padding: 8px 12px;
    border: 1px solid #464b60;
    border-radius: 8px;
    background: #1d1f28;
    color: #eceef5;
    font: inherit;
  }
  .image-link [role='status'] { min-height: 1.5em; text-align: left; }
  a.button.primary { border-color: #8f78ff; background: #8f78ff; color: #0f0b26; }
  a.button.primary:hover { background: #a492ff; }
  a:focus-visible, button:focus-visible, input:focus-visible {
    outline: 3px solid #a492ff;
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
  const head = `<title>${title} — ${SITE_NAME}</title>
<meta property="og:site_name" content="${SITE_NAME}">
<meta property="og:type" content="website">
<meta property="og:title" content="${title}">
<meta property="og:url" content="${escapeHtml(view.pageUrl)}">
<meta property="og:image" content="${escapeHtml(view.imageUrl)}">
<meta property="og:image:type" content="${escapeHtml(view.contentType)}">
<meta property="og:image:width" content="${escapeHtml(view.width)}">
<meta property="og:image:height" content="${escapeHtml(view.height)}">
<meta property="og:image:alt" content="${title}">
<meta name="twitter:card" content="summary_large_image">`
  const body = `<h1>${title}</h1>
<img src="${escapeHtml(view.imageUrl)}" alt="${title}" width="${escapeHtml(view.width)}" height="${escapeHtml(view.height)}">
<nav>
<a class="button primary" href="${escapeHtml(view.downloadUrl)}" download>Download</a>
${MAKE_YOUR_OWN}
</nav>${view.imageLink === undefined ? '' : imageLinkSection(view.imageLink)}`
  return document(head, body)
}

/** The lasting link to the image, to copy; the script only adds the button. */
function imageLinkSection(link: string): string {
  return `
<section class="image-link">
<label for="image-link">Image link</label>
<div>
<input id="image-link" type="url" readonly value="${escapeHtml(link)}">
<button class="button" type="button" id="copy-image-link" hidden>Copy image link</button>
</div>
<p id="image-link-status" role="status"></p>
</section>
<script>${COPY_LINK_SCRIPT}</script>`
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
