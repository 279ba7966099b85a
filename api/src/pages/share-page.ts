/**
 * The public page of a share, `/m/<id>`: a standalone HTML document, so link previews
 * (Open Graph, Twitter cards) see the title and the image without running the SPA.
 * Every interpolated value is escaped: the title is the captions, which anyone can write.
 * @see https://ogp.me/
 */

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
}

/**
 * The page's Content-Security-Policy: nothing but the inline style and images from this
 * site and the storage origin the presigned URLs point at.
 */
export function sharePagePolicy(imageOrigin?: string): string {
  return [
    "default-src 'none'",
    imageOrigin ? `img-src 'self' ${imageOrigin}` : "img-src 'self'",
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
  a.button {
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
  a.button:hover { background: #232633; }
  a.button.primary { border-color: #8f78ff; background: #8f78ff; color: #0f0b26; }
  a.button.primary:hover { background: #a492ff; }
  a:focus-visible { outline: 3px solid #a492ff; outline-offset: 2px; }
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
</nav>`
  return document(head, body)
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
