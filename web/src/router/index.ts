import type { ApiKeyScope } from '@meme-studio/meme-core/schema'
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { galleryFirst } from './gallery-first.ts'

declare module 'vue-router' {
  interface RouteMeta {
    /** The page's name in the tab title. */
    title?: string
    /** An admin page: the API key scope it needs, and what it is called in a sentence. */
    keyScope?: ApiKeyScope
    area?: string
  }
}

export const routes: RouteRecordRaw[] = [
  {
    path: '/',
    name: 'editor',
    component: () => import('../views/EditorView.vue'),
  },
  {
    path: '/admin',
    component: () => import('../views/AdminView.vue'),
    children: [
      {
        path: '',
        name: 'admin',
        component: () => import('../views/AdminOverviewView.vue'),
        meta: { title: 'Admin' },
      },
      {
        path: 'hmac',
        name: 'admin-hmac',
        component: () => import('../views/AdminHmacView.vue'),
        meta: { title: 'HMAC · Admin', keyScope: 'tools', area: 'the HMAC tools' },
      },
      {
        path: 'sigv4',
        name: 'admin-sigv4',
        component: () => import('../views/AdminSigv4View.vue'),
        meta: { title: 'SigV4 · Admin', keyScope: 'tools', area: 'the SigV4 tool' },
      },
      {
        path: 'webhooks',
        name: 'admin-webhooks',
        component: () => import('../views/AdminWebhooksView.vue'),
        meta: { title: 'Webhooks · Admin', keyScope: 'admin', area: 'webhooks' },
      },
    ],
  },
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => import('../views/NotFoundView.vue'),
  },
]

const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes,
})

// The store comes with the editor's chunks, loaded by the time this runs (after the route's).
galleryFirst(router, async () => {
  const { useTemplatesStore } = await import('../stores/templates.ts')
  await useTemplatesStore().start()
})

router.afterEach((to) => {
  document.title = to.meta.title ? `${to.meta.title} — meme-studio` : 'meme-studio'
})

export default router
