import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { findMarkdownDamage } from '../markdown-damage.ts'

const lines = (text: string) => findMarkdownDamage(text).map((damage) => damage.line)

describe('findMarkdownDamage', () => {
  it('finds a wrapped "+ " that makes a list item under a paragraph line', () => {
    const text = [
      '# Apigee',
      '',
      'The message is clientsecret + callback',
      '+ clientid + timestamp.',
    ]
    assert.deepEqual(lines(text.join('\n')), [4])
    assert.match(findMarkdownDamage(text.join('\n'))[0]!.message, /"\+ " under a paragraph line/)
  })

  it('finds the same after Prettier: a list after a paragraph that stops mid-sentence', () => {
    // What Prettier made of the README's Apigee paragraph (git show 7251dc4:README.md).
    const text = [
      'The Apigee signature is `base64(HMAC-SHA256(key = clientsecret, message = clientsecret + callback',
      '',
      '- clientid + timestamp))`with the timestamp in epoch seconds. The SigV4 signer runs the',
      "AWS SDK's own`SignatureV4`and shows the strings it built. Jobs keep their record",
      'at`jobs/<jobId>.json`and their image.',
    ]
    assert.deepEqual(lines(text.join('\n')), [3, 4])
  })

  it('finds a code span glued to words on both sides', () => {
    assert.deepEqual(lines('Jobs keep their record at`jobs/<jobId>.json`and their image.'), [1])
  })

  it('passes lists, tables, code spans and code blocks as the house writes them', () => {
    const text = [
      '# Title',
      '- a list right under a heading',
      '',
      'Run these:',
      '',
      '- `pnpm check`, then',
      '  - `pnpm test`s and a nested item',
      '+ another item',
      '',
      '| a | `b`c |',
      '| - | ---- |',
      '',
      'Both `x` and ``y`z`` are fine, and so is a lone ` backtick and an escaped\\`one`.',
      '',
      '```text',
      'key = clientsecret,',
      '+ clientid + timestamp and`glued`code',
      '```',
      '',
      '1. first',
      '   continued',
      '- second list',
    ]
    assert.deepEqual(findMarkdownDamage(text.join('\n')), [])
  })
})
