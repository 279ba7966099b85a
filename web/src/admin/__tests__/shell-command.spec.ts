import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { apigeeCurlCommand, shellQuote } from '../shell-command.ts'

/** What a POSIX shell makes of the words, one per line: the real test of the quoting. */
function wordsAsTheShellSeesThem(command: string): string[] {
  const shown = spawnSync('sh', ['-c', `printf '%s\\n' ${command}`], { encoding: 'utf8' })
  return shown.stdout.split('\n').slice(0, -1)
}

describe('shellQuote', () => {
  it("writes a single quote as '\\'' inside single quotes", () => {
    expect(shellQuote("it's")).toBe("'it'\\''s'")
  })

  it('keeps every character as it is, for the shell too', () => {
    const value = `it's $HOME, "quoted", \`ls\`, a\\b & c; d | e * ?`
    expect(wordsAsTheShellSeesThem(shellQuote(value))).toEqual([value])
  })
})

describe('apigeeCurlCommand', () => {
  const parameters = {
    callback: 'https://partner.example/callback?state=1&x=y',
    clientid: "client-'123'",
    timestamp: '1700000000',
    signature: 'ab+/cd==',
  }

  it('calls the callback with the parameters URL-encoded by curl', () => {
    expect(apigeeCurlCommand(parameters)).toBe(
      [
        "curl -G 'https://partner.example/callback?state=1&x=y'",
        "--data-urlencode 'client_id=client-'\\''123'\\'''",
        "--data-urlencode 'timestamp=1700000000'",
        "--data-urlencode 'signature=ab+/cd=='",
      ].join(' \\\n  '),
    )
  })

  it('survives the shell: each parameter reaches curl as one word, unchanged', () => {
    const words = wordsAsTheShellSeesThem(apigeeCurlCommand(parameters).replace(/^curl /, ''))
    expect(words).toEqual([
      '-G',
      'https://partner.example/callback?state=1&x=y',
      '--data-urlencode',
      "client_id=client-'123'",
      '--data-urlencode',
      'timestamp=1700000000',
      '--data-urlencode',
      'signature=ab+/cd==',
    ])
  })
})
