/**
 * `pnpm check` step: fails on Markdown the formatter has mangled (see `markdown-damage.ts`).
 * Checks every tracked `.md` file, or the files given: `node --import tsx
 * scripts/check-markdown.ts [file…]`.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { findMarkdownDamage } from './markdown-damage.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const given = process.argv.slice(2)
const files =
  given.length > 0
    ? given
    : execFileSync('git', ['ls-files', '-z', '*.md'], { cwd: root, encoding: 'utf8' })
        .split('\0')
        .filter(Boolean)
        .map((file) => `${root}${file}`)

let problems = 0
for (const file of files) {
  for (const { line, message } of findMarkdownDamage(readFileSync(file, 'utf8'))) {
    console.error(`${file}:${line}: ${message}`)
    problems += 1
  }
}
if (problems > 0) {
  console.error(
    `check-markdown: ${problems} problem(s) in Markdown. Reword so no wrapped line starts with "+ ", "- " or "* ", or put a formula in a fenced code block.`,
  )
  process.exit(1)
}
console.log(`check-markdown: ${files.length} Markdown file(s), no formatter damage.`)
