import { existsSync } from 'node:fs'

/**
 * Debian's Chromium where the machine has it (CI installs it; Playwright's own browser
 * download cannot reach its host there), or CHROMIUM_PATH; undefined: the runner's own.
 */
export const chromiumPath =
  process.env.CHROMIUM_PATH ?? (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined)

/** CI has no outside network: without these flags Chromium keeps dialling Google's hosts. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
]
