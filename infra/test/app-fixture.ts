import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { App } from 'aws-cdk-lib'
import { buildStacks } from '../lib/meme-studio.ts'

/** A stand-in for `web/dist`, so synth needs no web build. */
export function siteAssetsFixture(): string {
  const dir = mkdtempSync(join(tmpdir(), 'meme-studio-web-dist-'))
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>meme-studio</title>')
  return dir
}

/**
 * The whole app as `bin/` builds it, from `context`. cdk-nag findings are written to the
 * validation report instead of failing synth: nag.test.ts asserts on them, stack by stack, and
 * the other tests can look at one stack while another is still being worked on.
 */
export function buildTestApp(context: Record<string, unknown> = {}) {
  const app = new App({
    outdir: mkdtempSync(join(tmpdir(), 'meme-studio-cdk-out-')),
    context: {
      webDist: siteAssetsFixture(),
      '@aws-cdk/core:failSynthOnValidationErrors': false,
      ...context,
    },
  })
  return { app, ...buildStacks(app) }
}
