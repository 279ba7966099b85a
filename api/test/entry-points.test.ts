import type { FastifyInstance, RouteOptions } from 'fastify'
import fp from 'fastify-plugin'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildAppWith } from '../src/app-base.ts'
import { functionForPath, type LambdaFunction } from '../src/entry-points.ts'
import control from '../src/functions/control.ts'
import render from '../src/functions/render.ts'
import { buildApp, closedPort, testConfig } from './support/test-app.ts'

const ADMIN_KEY = 'entry-points-admin-key'
let config: ReturnType<typeof testConfig>

beforeAll(async () => {
  config = testConfig(await closedPort(), {
    ADMIN_API_KEYS: ADMIN_KEY,
    GITHUB_WEBHOOK_SECRET: 'entry-points-webhook-secret',
  })
})

/** Every route a function's app has, as Fastify registers it. */
async function routesOf(routes: typeof control): Promise<string[]> {
  const urls: string[] = []
  const recorder = fp(async (app) => {
    app.addHook('onRoute', (route: RouteOptions) => {
      urls.push(route.url)
    })
  })
  const app = await buildAppWith(config, [recorder, routes])
  await app.ready()
  await app.close()
  return urls
}

describe('which function serves which path', () => {
  it.each([
    ['render', render],
    ['control', control],
  ] as const)(
    'every route of the %s function is one entry-points.ts sends to it',
    async (name, routes) => {
      const urls = await routesOf(routes)
      expect(urls.length).toBeGreaterThan(3)
      expect(urls.filter((url) => functionForPath(url) !== name)).toEqual([])
    },
  )

  it('sends the render paths to render and every other path to control', () => {
    expect(['/api/meme', '/api/shares', '/api/shares/abc', '/m/abc'].map(functionForPath)).toEqual(
      Array(4).fill('render'),
    )
    expect(
      [
        '/api/memes',
        '/api/health',
        '/api/admin/usage',
        '/api/webhooks/github',
        '/api/docs/json',
        '/m',
        // The jobs API only records and queues; the render function renders from the queue.
        '/api/jobs',
        '/api/jobs/abc',
      ].map(functionForPath),
    ).toEqual(Array(8).fill('control'))
  })
})

/** A request of each kind, and the function that owns it. */
const REQUESTS: { fn: LambdaFunction; method: 'GET' | 'POST'; url: string; body?: object }[] = [
  { fn: 'render', method: 'POST', url: '/api/meme', body: { image: 'x', captions: [] } },
  { fn: 'render', method: 'POST', url: '/api/shares', body: { image: 'x', captions: [] } },
  { fn: 'render', method: 'GET', url: '/api/shares/abc' },
  { fn: 'render', method: 'GET', url: '/m/abc' },
  { fn: 'control', method: 'GET', url: '/api/limits' },
  {
    fn: 'control',
    method: 'GET',
    url: '/api/sign-s3-request?filename=a.png&contentType=image/png',
  },
  { fn: 'control', method: 'GET', url: '/api/admin/usage' },
  { fn: 'control', method: 'POST', url: '/api/webhooks/github', body: {} },
  { fn: 'control', method: 'POST', url: '/api/events', body: {} },
  { fn: 'control', method: 'GET', url: '/api/jobs/abc' },
]

/** The app's 404 for a path no route takes. */
const routeNotFound = ({ method, url }: (typeof REQUESTS)[number]) => ({
  statusCode: 404,
  error: 'Not Found',
  message: `Route ${method} ${url.split('?')[0]} not found`,
  code: 'NOT_FOUND',
})

/** Whether an answer came from a route (a share that does not exist is a 404 of its own). */
function answeredByRoute(response: { body: string }, request: (typeof REQUESTS)[number]) {
  return response.body !== JSON.stringify(routeNotFound(request))
}

describe.each(['render', 'control'] as const)('the %s function', (name) => {
  let app: FastifyInstance
  beforeAll(async () => {
    app = await buildApp(config, { routes: name })
  })
  afterAll(async () => {
    await app.close()
  })

  const inject = ({ method, url, body }: (typeof REQUESTS)[number]) =>
    app.inject({
      method,
      url,
      headers: { 'x-api-key': ADMIN_KEY },
      ...(body ? { payload: body } : {}),
    })

  it.each(REQUESTS.filter(({ fn }) => fn === name))(
    'answers its own $method $url',
    async (request) => {
      expect(answeredByRoute(await inject(request), request)).toBe(true)
    },
  )

  it('serves no /api/docs: the local server does', async () => {
    expect((await app.inject('/api/docs/json')).statusCode).toBe(404)
  })

  it.each(REQUESTS.filter(({ fn }) => fn !== name))(
    "answers the other function's $method $url with the usual 404",
    async (request) => {
      const response = await inject(request)
      expect(response.statusCode).toBe(404)
      expect(response.json()).toEqual(routeNotFound(request))
    },
  )
})

describe('the local server', () => {
  it('has every route of both functions, and the OpenAPI of them all', async () => {
    const app = await buildApp(config)
    try {
      for (const request of REQUESTS) {
        const response = await app.inject({
          method: request.method,
          url: request.url,
          headers: { 'x-api-key': ADMIN_KEY },
          ...(request.body ? { payload: request.body } : {}),
        })
        expect(answeredByRoute(response, request), `${request.method} ${request.url}`).toBe(true)
      }
      const spec = (await app.inject('/api/docs/json')).json()
      expect(Object.keys(spec.paths)).toEqual(
        expect.arrayContaining(['/api/meme', '/api/health', '/api/admin/usage', '/api/jobs']),
      )
    } finally {
      await app.close()
    }
  })
})
