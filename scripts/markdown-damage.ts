/**
 * Finds the damage a formatter does to Markdown written as wrapped prose. A wrapped line that
 * starts with "+ ", "- " or "* " is a list item in CommonMark: Prettier then puts a blank line
 * above it and the sentence is cut in two, and any code span open across the cut pairs its
 * backticks with the wrong partners, turning the spans after it inside out ("own`SignatureV4`and").
 * @see https://spec.commonmark.org/0.31.2/#lists (a bullet list may interrupt a paragraph)
 * @see https://spec.commonmark.org/0.31.2/#code-spans (how backtick strings pair up)
 */

export interface MarkdownDamage {
  /** 1-based line in the file. */
  line: number
  message: string
}

const FENCE = /^\s*(`{3,}|~{3,})/
const HEADING = /^ {0,3}#{1,6}(\s|$)/
const TABLE_ROW = /^\s*\|/
const BLOCKQUOTE = /^ {0,3}>/
const INDENTED_CODE = /^( {4}|\t)/
const BULLET_ITEM = /^ {0,3}[-+*] +\S/
const LIST_ITEM = /^\s*([-+*]|\d{1,9}[.)])( +|$)/
/** A paragraph's last character when its sentence goes on: a word, a comma or an operator. */
const MID_SENTENCE = /[\p{L}\p{N},+\-*/=&|(]$/u
const WORD_CHARACTER = /[\p{L}\p{N}]/u

interface Block {
  /** 0-based index of each line in the file. */
  lines: number[]
  kind: 'paragraph' | 'list' | 'other'
}

/** Every problem in one Markdown text, in line order. */
export function findMarkdownDamage(text: string): MarkdownDamage[] {
  const lines = text.split(/\r?\n/)
  const damage: MarkdownDamage[] = []
  let previous: Block | undefined
  for (const block of proseBlocks(lines)) {
    damage.push(...listsUnderParagraphs(block, previous, lines))
    damage.push(...insideOutCodeSpans(block, lines))
    previous = block
  }
  return damage.sort((a, b) => a.line - b.line)
}

/** Runs of non-blank lines outside fenced code; a heading is a block of its own. */
function* proseBlocks(lines: string[]): Generator<Block> {
  let fence: string | undefined
  let current: number[] = []
  const close = function* (): Generator<Block> {
    if (current.length > 0) yield { lines: current, kind: blockKind(lines[current[0]!]!) }
    current = []
  }
  for (const [index, line] of lines.entries()) {
    const fenceMatch = FENCE.exec(line)
    if (fence !== undefined) {
      if (fenceMatch && fenceMatch[1]![0] === fence[0] && fenceMatch[1]!.length >= fence.length) {
        fence = undefined
      }
      continue
    }
    if (fenceMatch) {
      yield* close()
      fence = fenceMatch[1]
      continue
    }
    if (line.trim() === '') {
      yield* close()
      continue
    }
    if (HEADING.test(line)) {
      yield* close()
      yield { lines: [index], kind: 'other' }
      continue
    }
    current.push(index)
  }
  yield* close()
}

function blockKind(first: string): Block['kind'] {
  if (LIST_ITEM.test(first)) return 'list'
  if (TABLE_ROW.test(first) || BLOCKQUOTE.test(first) || INDENTED_CODE.test(first)) return 'other'
  return 'paragraph'
}

/**
 * A bullet right under a paragraph line (the shape before the formatter runs), or a list
 * after a paragraph that stops mid-sentence (the shape after it: it adds the blank line).
 */
function listsUnderParagraphs(
  block: Block,
  previous: Block | undefined,
  lines: string[],
): MarkdownDamage[] {
  const first = lines[block.lines[0]!]!
  if (block.kind === 'list' && BULLET_ITEM.test(first) && previous?.kind === 'paragraph') {
    const last = lines[previous.lines.at(-1)!]!.trimEnd()
    if (!MID_SENTENCE.test(last)) return []
    const marker = first.trim()[0]
    return [
      {
        line: block.lines[0]! + 1,
        message: `a list after a paragraph that stops mid-sentence ("…${last.slice(-20)}"): a wrapped line starting with "${marker} " became a list item`,
      },
    ]
  }
  if (block.kind !== 'paragraph') return []
  const index = block.lines.slice(1).find((line) => BULLET_ITEM.test(lines[line]!))
  if (index === undefined) return []
  const marker = lines[index]!.trim()[0]
  return [
    {
      line: index + 1,
      message: `a line starting with "${marker} " under a paragraph line is a list item: move the "${marker}" to the end of the line above, or put a blank line before a real list`,
    },
  ]
}

/** Code spans with a letter or digit glued to both ends: backticks paired inside out. */
function insideOutCodeSpans(block: Block, lines: string[]): MarkdownDamage[] {
  // A table row is a unit of its own; elsewhere a code span may run across lines.
  const units =
    block.kind === 'other' && TABLE_ROW.test(lines[block.lines[0]!]!)
      ? block.lines.map((line) => [line])
      : [block.lines]
  return units.flatMap((unit) => {
    const text = unit.map((line) => lines[line]).join('\n')
    const lineAt = (offset: number) => unit[text.slice(0, offset).split('\n').length - 1]! + 1
    return codeSpans(text)
      .filter(
        ({ start, end }) =>
          WORD_CHARACTER.test(text[start - 1] ?? '') && WORD_CHARACTER.test(text[end] ?? ''),
      )
      .map(({ start, end }) => ({
        line: lineAt(start),
        message: `code span glued to words on both sides ("${excerpt(text, start, end)}"): its backticks probably pair with the wrong partners`,
      }))
  })
}

/** The ends of a code span with a few characters around each, on one line. */
function excerpt(text: string, start: number, end: number): string {
  const around = (from: number, to: number) => text.slice(Math.max(0, from), to).replace(/\n/g, ' ')
  return end - start > 30
    ? `${around(start - 12, start + 12)}…${around(end - 12, end + 12)}`
    : around(start - 12, end + 12)
}

/** Code spans as CommonMark pairs them: a backtick string closes at the next one as long. */
function codeSpans(text: string): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = []
  let i = 0
  while (i < text.length) {
    if (text[i] === '\\') {
      i += 2
      continue
    }
    if (text[i] !== '`') {
      i += 1
      continue
    }
    const opener = /^`+/.exec(text.slice(i))![0]
    let close = -1
    for (let j = i + opener.length; j < text.length;) {
      const run = /^`+/.exec(text.slice(j))?.[0]
      if (run === undefined) {
        j += 1
      } else if (run.length === opener.length) {
        close = j
        break
      } else {
        j += run.length
      }
    }
    if (close === -1) {
      i += opener.length
      continue
    }
    spans.push({ start: i, end: close + opener.length })
    i = close + opener.length
  }
  return spans
}
