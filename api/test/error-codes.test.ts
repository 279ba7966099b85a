import { readFile } from 'node:fs/promises'
import { ERROR_CODES } from '@meme-studio/meme-core/schema'
import { describe, expect, it } from 'vitest'

/** The codes the README's "Errors" list names: every `UPPER_CASE` code span in it. */
async function readmeCodes(): Promise<string[]> {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8')
  const section = readme.slice(readme.indexOf('\n### Errors'))
  const list = section.slice(0, section.indexOf('\n## ', 1))
  return [...list.matchAll(/^\| `([A-Z][A-Z_]+)`/gm)].map((match) => match[1] as string)
}

describe('error codes', () => {
  it('lists in the README every code the API answers with, and no other', async () => {
    expect((await readmeCodes()).sort()).toEqual([...ERROR_CODES].sort())
  })
})
