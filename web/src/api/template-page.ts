/*
 * The gallery's first page, by itself: the build (web/build/editor-page.ts) reads it in Node,
 * so this module imports nothing.
 */

/** The gallery's tiles fill three or four columns: a page is whole rows of either. */
export const TEMPLATE_PAGE_SIZE = 12

/**
 * What the gallery asks for first, with no search. The editor's page names it for the browser
 * to fetch with the app's scripts (`<link rel="preload" as="fetch">`), and `listTemplates` asks
 * for exactly this path, so that the browser hands it that answer instead of asking again.
 */
export const FIRST_TEMPLATE_PAGE_PATH = `/api/templates?limit=${TEMPLATE_PAGE_SIZE}`
