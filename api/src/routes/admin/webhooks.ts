import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import {
  DeliveryAnswerSchema,
  DeliveryListSchema,
  DeliveryParamsSchema,
  DeliverySummaryAnswerSchema,
  HookAnswerSchema,
  HookChangeSchema,
  HookCreateSchema,
  HookListSchema,
  HookParamsSchema,
  HookWithSecretSchema,
  NoOptionsSchema,
  RotateSecretSchema,
} from '@meme-studio/meme-core/schema'
import { Type } from 'typebox'
import type { AppConfig } from '../../config.ts'
import { errorResponses } from '../../schemas/errors.ts'
import { HookAdmin } from '../../services/webhooks/hook-admin.ts'

/** `/api/admin/webhooks*`: the GitHub webhooks, their secrets and their deliveries. */
const webhookAdminRoutes: FastifyPluginAsyncTypebox<{
  config: AppConfig
  now?: () => number
}> = async (app, { config, now }) => {
  const hooks = new HookAdmin({
    records: app.records,
    config,
    now,
    send: async (url, headers, payload) => {
      await app.inject({ method: 'POST', url, headers, payload })
    },
  })

  // Answers carry secrets, and deliveries change: no cache keeps them.
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store')
  })

  app.get(
    '/webhooks',
    {
      schema: {
        summary: 'The GitHub webhooks: the default one (GITHUB_WEBHOOK_SECRET) first',
        response: { 200: HookListSchema, ...errorResponses(503) },
      },
    },
    async () => ({ hooks: await hooks.list() }),
  )

  app.post(
    '/webhooks',
    {
      schema: {
        summary: 'Create a webhook; the answer carries its secret, shown only this once',
        body: HookCreateSchema,
        response: { 201: HookWithSecretSchema, ...errorResponses(400, 415, 503) },
      },
    },
    async (request, reply) => reply.status(201).send(await hooks.create(request.body)),
  )

  app.get(
    '/webhooks/:hookId',
    {
      schema: {
        summary: 'A webhook',
        params: HookParamsSchema,
        response: { 200: HookAnswerSchema, ...errorResponses(404, 503) },
      },
    },
    async (request) => ({ hook: await hooks.get(request.params.hookId) }),
  )

  app.patch(
    '/webhooks/:hookId',
    {
      schema: {
        summary: "Change a webhook's name, branches, prefix or root-folder stripping",
        params: HookParamsSchema,
        body: HookChangeSchema,
        response: { 200: HookAnswerSchema, ...errorResponses(400, 404, 409, 415, 503) },
      },
    },
    async (request) => ({
      hook: await hooks.change(request.params.hookId, request.body),
    }),
  )

  app.delete(
    '/webhooks/:hookId',
    {
      schema: {
        summary: 'Delete a webhook; its deliveries are kept until they expire',
        params: HookParamsSchema,
        response: { 204: Type.Null(), ...errorResponses(404, 409, 503) },
      },
    },
    async (request, reply) => {
      await hooks.remove(request.params.hookId)
      return reply.status(204).send(null)
    },
  )

  app.post(
    '/webhooks/:hookId/rotate-secret',
    {
      schema: {
        summary: 'A new secret; the previous one keeps working for graceSeconds',
        params: HookParamsSchema,
        body: RotateSecretSchema,
        response: { 200: HookWithSecretSchema, ...errorResponses(400, 404, 409, 415, 503) },
      },
    },
    async (request) => hooks.rotateSecret(request.params.hookId, request.body.graceSeconds),
  )

  app.get(
    '/webhooks/:hookId/deliveries',
    {
      schema: {
        summary: "A webhook's latest deliveries, newest first (at most 50)",
        params: HookParamsSchema,
        response: { 200: DeliveryListSchema, ...errorResponses(404, 503) },
      },
    },
    async (request) => ({ deliveries: await hooks.deliveries(request.params.hookId) }),
  )

  app.get(
    '/webhooks/:hookId/deliveries/:deliveryId',
    {
      schema: {
        summary: 'A delivery with its headers, payload and our answer',
        params: DeliveryParamsSchema,
        response: { 200: DeliveryAnswerSchema, ...errorResponses(404, 503) },
      },
    },
    async (request) => ({
      delivery: await hooks.delivery(request.params.hookId, request.params.deliveryId),
    }),
  )

  app.post(
    '/webhooks/:hookId/deliveries/:deliveryId/redeliver',
    {
      schema: {
        summary: 'Run a delivery again: its payload, signed anew, under a new delivery id',
        description:
          'The replay gets a new X-GitHub-Delivery, so it is not answered as a duplicate, ' +
          "and is signed with the hook's current secret; its record names the original in " +
          'redeliveryOf. Only deliveries whose signature matched and whose payload was kept ' +
          'whole can be run again.',
        params: DeliveryParamsSchema,
        body: Type.Optional(NoOptionsSchema),
        response: { 200: DeliverySummaryAnswerSchema, ...errorResponses(404, 409, 415, 503) },
      },
    },
    async (request) => ({
      delivery: await hooks.redeliver(request.params.hookId, request.params.deliveryId),
    }),
  )

  app.post(
    '/webhooks/:hookId/ping',
    {
      schema: {
        summary: "Sign a GitHub ping with the hook's secret and send it to the hook",
        params: HookParamsSchema,
        body: Type.Optional(NoOptionsSchema),
        response: { 200: DeliverySummaryAnswerSchema, ...errorResponses(404, 415, 503) },
      },
    },
    async (request) => ({ delivery: await hooks.ping(request.params.hookId) }),
  )
}

export default webhookAdminRoutes
