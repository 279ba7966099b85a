import type { Template } from '@meme-studio/meme-core/schema'
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { failureSentence, UserFacingError } from '@/api/failure-messages.ts'
import {
  deleteTemplate,
  fetchTemplate,
  listTemplates,
  TEMPLATE_TOKEN_REFUSED,
} from '@/api/template-api.ts'

/** Where this browser keeps the ids of the templates it used, newest first. */
export const RECENT_TEMPLATES_KEY = 'meme-studio.recent-templates'
/** Where it keeps the edit tokens of the templates saved here, by template id. */
export const EDIT_TOKENS_KEY = 'meme-studio.template-edit-tokens'
export const MAX_RECENT_TEMPLATES = 12
/** Typing pauses at least this long before the gallery asks again. */
export const SEARCH_DEBOUNCE_MS = 300

/** `ids` with `id` moved (or added) to the front, at most `MAX_RECENT_TEMPLATES` long. */
export function recentFirst(ids: readonly string[], id: string): string[] {
  return [id, ...ids.filter((other) => other !== id)].slice(0, MAX_RECENT_TEMPLATES)
}

/**
 * Reads a stored value; storage may be missing or refused (private windows, blocked
 * cookies), and what is there may have been written by anything: both read as nothing.
 */
function readStored(key: string): unknown {
  try {
    const text = globalThis.localStorage?.getItem(key)
    return text ? JSON.parse(text) : undefined
  } catch {
    return undefined
  }
}

function writeStored(key: string, value: unknown): void {
  try {
    globalThis.localStorage?.setItem(key, JSON.stringify(value))
  } catch {
    // Full or refused: the gallery still works, it only forgets.
  }
}

function storedRecentIds(): string[] {
  const stored = readStored(RECENT_TEMPLATES_KEY)
  if (!Array.isArray(stored)) return []
  const ids = stored.filter((id): id is string => typeof id === 'string' && id !== '')
  return [...new Set(ids)].slice(0, MAX_RECENT_TEMPLATES)
}

function storedEditTokens(): Record<string, string> {
  const stored = readStored(EDIT_TOKENS_KEY)
  if (stored === null || typeof stored !== 'object' || Array.isArray(stored)) return {}
  return Object.fromEntries(
    Object.entries(stored).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  )
}

export const useTemplatesStore = defineStore('templates', () => {
  /** The search box's text, as typed. */
  const query = ref('')
  /** The current search's answers, page after page. */
  const found = ref<Template[]>([])
  const nextCursor = ref<string | null>(null)
  const loading = ref(false)
  const loadingMore = ref(false)
  const error = ref<string | null>(null)
  const recentIds = ref<string[]>(storedRecentIds())
  /** The recently used templates that still exist, newest first. */
  const recent = ref<Template[]>([])

  /**
   * Templates deleted from this page: the browser may keep a list answer a minute
   * (`private, max-age=60`), so they are left out of answers that still hold them.
   */
  const deletedIds = new Set<string>()
  const notDeleted = (templates: readonly Template[]) =>
    templates.filter(({ id }) => !deletedIds.has(id))

  let searchRequest = 0
  let debounce: ReturnType<typeof setTimeout> | undefined
  let started = false

  const searching = computed(() => query.value.trim() !== '')
  /** What the gallery lists under "Recently used": nothing while a search is on. */
  const recentShown = computed(() => (searching.value ? [] : recent.value))
  /** The search's answers, without those already shown as recently used. */
  const listed = computed(() => {
    const shown = new Set(recentShown.value.map(({ id }) => id))
    return found.value.filter(({ id }) => !shown.has(id))
  })
  const hasMore = computed(() => nextCursor.value !== null)

  /** Asks for the first page of the current search; an older answer arriving late is dropped. */
  async function search({ fresh = false } = {}): Promise<void> {
    clearTimeout(debounce)
    const request = ++searchRequest
    loading.value = true
    error.value = null
    try {
      const page = await listTemplates({ q: query.value }, { fresh })
      if (request !== searchRequest) return
      found.value = notDeleted(page.templates)
      nextCursor.value = page.nextCursor
    } catch (failure) {
      if (request === searchRequest) error.value = failureSentence(failure)
    } finally {
      if (request === searchRequest) loading.value = false
    }
  }

  /** Takes the search box's text; the search runs once typing pauses. */
  function setQuery(text: string): void {
    query.value = text
    clearTimeout(debounce)
    debounce = setTimeout(() => void search(), SEARCH_DEBOUNCE_MS)
  }

  /** Adds the next page of the current search. */
  async function loadMore(): Promise<void> {
    const cursor = nextCursor.value
    if (cursor === null || loadingMore.value || loading.value) return
    const request = searchRequest
    loadingMore.value = true
    error.value = null
    try {
      const page = await listTemplates({ q: query.value, cursor })
      if (request !== searchRequest) return
      const known = new Set(found.value.map(({ id }) => id))
      found.value = [
        ...found.value,
        ...notDeleted(page.templates).filter(({ id }) => !known.has(id)),
      ]
      nextCursor.value = page.nextCursor
    } catch (failure) {
      if (request === searchRequest) error.value = failureSentence(failure)
    } finally {
      loadingMore.value = false
    }
  }

  /**
   * Fetches the recently used templates (fresh picture URLs); those that are gone are
   * forgotten, those that cannot be reached now are only left out.
   */
  async function loadRecent(): Promise<void> {
    const ids = recentIds.value
    const answers = await Promise.allSettled(ids.map((id) => fetchTemplate(id)))
    const gone = new Set(
      ids.filter((_, index) => {
        const answer = answers[index]
        return (
          answer?.status === 'rejected' &&
          answer.reason instanceof UserFacingError &&
          answer.reason.code === 'TEMPLATE_NOT_FOUND'
        )
      }),
    )
    if (gone.size > 0) {
      recentIds.value = recentIds.value.filter((id) => !gone.has(id))
      writeStored(RECENT_TEMPLATES_KEY, recentIds.value)
    }
    const loaded = answers.flatMap((answer) =>
      answer.status === 'fulfilled' ? [answer.value] : [],
    )
    // Something chosen while these were loading is newer than all of them.
    const chosenMeanwhile = recent.value.filter(({ id }) => !ids.includes(id))
    recent.value = [...chosenMeanwhile, ...loaded.filter(({ id }) => recentIds.value.includes(id))]
  }

  /** Loads the gallery the first time it is shown. */
  async function start(): Promise<void> {
    if (started) return
    started = true
    await Promise.all([search(), loadRecent()])
  }

  /** Puts a template at the front of "Recently used", here and in the browser's storage. */
  function markUsed(template: Template): void {
    recentIds.value = recentFirst(recentIds.value, template.id)
    writeStored(RECENT_TEMPLATES_KEY, recentIds.value)
    recent.value = [template, ...recent.value.filter(({ id }) => id !== template.id)].slice(
      0,
      MAX_RECENT_TEMPLATES,
    )
  }

  /** A template saved from this browser: remembered with its token, and listed at once. */
  async function addSaved(template: Template, editToken: string): Promise<void> {
    writeStored(EDIT_TOKENS_KEY, { ...storedEditTokens(), [template.id]: editToken })
    markUsed(template)
    await search({ fresh: true })
  }

  /** The edit token this browser got when it saved the template, if it did. */
  function editTokenOf(id: string): string | undefined {
    return storedEditTokens()[id]
  }

  /**
   * Deletes a template this browser saved (it holds the edit token), then forgets it: its
   * token, its place in "Recently used" and in the results.
   */
  async function removeSaved({ id, version }: { id: string; version: number }): Promise<void> {
    const token = editTokenOf(id)
    if (!token) throw new UserFacingError(TEMPLATE_TOKEN_REFUSED, 'TEMPLATE_EDIT_FORBIDDEN')
    await deleteTemplate(id, version, token)
    deletedIds.add(id)
    const tokens = storedEditTokens()
    delete tokens[id]
    writeStored(EDIT_TOKENS_KEY, tokens)
    recentIds.value = recentIds.value.filter((recentId) => recentId !== id)
    writeStored(RECENT_TEMPLATES_KEY, recentIds.value)
    recent.value = recent.value.filter((template) => template.id !== id)
    found.value = found.value.filter((template) => template.id !== id)
  }

  return {
    query,
    found,
    nextCursor,
    loading,
    loadingMore,
    error,
    recentIds,
    recent,
    searching,
    recentShown,
    listed,
    hasMore,
    search,
    setQuery,
    loadMore,
    loadRecent,
    start,
    markUsed,
    addSaved,
    editTokenOf,
    removeSaved,
  }
})
