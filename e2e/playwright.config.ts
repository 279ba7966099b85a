import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig, devices } from '@playwright/test'
import { CHROMIUM_ARGS, chromiumPath } from './support/chromium.ts'

const repoRoot = fileURLToPath(new URL('..', import.meta.url))
const port = Number(process.env.E2E_PORT ?? 3100)
const baseURL = `http://127.0.0.1:${port}`
/** GitHub's archive download, as a loopback stand-in (`support/github-stand-in.ts`). */
const githubPort = Number(process.env.E2E_GITHUB_PORT ?? port + 1)

// A fresh DATA_DIR (embedded S3 files, local state) for every run. The config is loaded by
// the runner and again by every worker; workers inherit the runner's environment, so the
// folder is made, and removed when the runner exits, only once.
function freshDataDir(): string {
  const inherited = process.env.E2E_DATA_DIR
  if (inherited) return inherited
  const dataDir = mkdtempSync(join(tmpdir(), 'meme-studio-e2e-'))
  process.env.E2E_DATA_DIR = dataDir
  process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }))
  return dataDir
}

export default defineConfig({
  testDir: './tests',
  outputDir: 'test-results',
  // A render takes a second or two; a slow CI machine gets room.
  timeout: 60_000,
  forbidOnly: !!process.env.CI,
  retries: process.env.CI ? 2 : 0,
  workers: 2,
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  use: {
    baseURL,
    screenshot: 'on',
    // Recording a trace costs every test time (a DOM snapshot per action, a screencast), so CI
    // records one only when a test is tried again; a run here keeps the failures' traces.
    trace: process.env.CI ? 'on-first-retry' : 'retain-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        launchOptions: {
          ...(chromiumPath ? { executablePath: chromiumPath } : {}),
          args: CHROMIUM_ARGS,
        },
      },
    },
  ],
  webServer: [
    {
      command: 'node --import tsx e2e/support/github-stand-in.ts',
      cwd: repoRoot,
      env: { E2E_GITHUB_PORT: String(githubPort) },
      url: `http://127.0.0.1:${githubPort}/health`,
      timeout: 30_000,
      reuseExistingServer: !process.env.CI,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      // What `pnpm start` runs, minus pnpm's wrapper: SIGTERM reaches the server itself, and
      // the log does not call a clean stop "Command failed".
      command: 'node --import tsx scripts/start.ts',
      cwd: repoRoot,
      env: {
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: freshDataDir(),
        // An admin key and a tools key (tests/admin-scopes.spec.ts).
        ADMIN_API_KEYS: 'e2e-admin-key,e2e-tools-key:tools',
        // Pushes are archived from the stand-in: the e2e machine has no outside network.
        GITHUB_BASE_URL: `http://127.0.0.1:${githubPort}`,
      },
      url: `${baseURL}/api/health`,
      // The first start may build the web app.
      timeout: 180_000,
      reuseExistingServer: !process.env.CI,
      gracefulShutdown: { signal: 'SIGTERM', timeout: 10_000 },
      // In CI the server's request log goes into the job's output, to explain a failure.
      stdout: process.env.CI ? 'pipe' : 'ignore',
      stderr: 'pipe',
    },
  ],
})
