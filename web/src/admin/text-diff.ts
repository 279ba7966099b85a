/** A stretch of text that is, or is not, the same in both texts compared. */
export interface TextRun {
  text: string
  differs: boolean
}

/** One line of a line-by-line comparison, and which side has it. */
export interface LineChange {
  side: 'both' | 'expected' | 'actual'
  text: string
}

function runsOf(text: string, differsAt: (index: number) => boolean): TextRun[] {
  const runs: TextRun[] = []
  for (let index = 0; index < text.length; index++) {
    const differs = differsAt(index)
    const last = runs.at(-1)
    if (last && last.differs === differs) last.text += text[index]
    else runs.push({ text: text[index]!, differs })
  }
  return runs
}

/**
 * Compares two signatures character by character, at the same positions. Signatures are
 * digests: a character-level "best alignment" would pair up characters two unrelated
 * digests share by chance, so only the position counts. Characters past the end of the
 * shorter text differ.
 */
export function diffCharacters(
  expected: string,
  actual: string,
): { expected: TextRun[]; actual: TextRun[] } {
  return {
    expected: runsOf(expected, (index) => expected[index] !== actual[index]),
    actual: runsOf(actual, (index) => expected[index] !== actual[index]),
  }
}

/**
 * A text's lines. Line breaks may be `\r\n` (pasted from Windows or an HTTP message); a
 * final line break, which pasting adds or drops at will, does not start a line.
 */
export function splitLines(text: string): string[] {
  if (text === '') return []
  return text.replace(/\r\n?/g, '\n').replace(/\n$/, '').split('\n')
}

/**
 * Compares two texts line by line, in order: the lines both have (the longest common
 * subsequence), and the lines only one of them has. Where both sides differ, the expected
 * side's lines come first, as in a unified diff.
 */
export function diffLines(expected: string, actual: string): LineChange[] {
  const a = splitLines(expected)
  const b = splitLines(actual)
  const width = b.length + 1
  // common[i * width + j]: how many lines a[i..] and b[j..] have in common, in order.
  const common = new Uint32Array((a.length + 1) * width)
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      common[i * width + j] =
        a[i] === b[j]
          ? common[(i + 1) * width + j + 1]! + 1
          : Math.max(common[(i + 1) * width + j]!, common[i * width + j + 1]!)
    }
  }
  const changes: LineChange[] = []
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      changes.push({ side: 'both', text: a[i]! })
      i++
      j++
    } else if (
      j >= b.length ||
      (i < a.length && common[(i + 1) * width + j]! >= common[i * width + j + 1]!)
    ) {
      changes.push({ side: 'expected', text: a[i]! })
      i++
    } else {
      changes.push({ side: 'actual', text: b[j]! })
      j++
    }
  }
  return changes
}
