import type { Rolldown } from 'vite'

/** The module whose chunk the editor's page (`/`) shows: the route's component. */
const EDITOR_VIEW = '/src/views/EditorView.vue'

/** The chunks a first visit to the editor runs, from the bundle `vite build` made. */
export interface FirstLoad {
  byName: Map<string, Rolldown.OutputChunk>
  /** The app's entry and every chunk it imports statically, in load order: every page runs them. */
  entry: Set<string>
  /** The editor's route chunk and what it imports statically beyond `entry`, in load order. */
  editor: string[]
}

/**
 * Reads the first load out of `bundle`, or says why it cannot: no entry chunk, or the editor's
 * route has no chunk of its own (it is no longer loaded lazily).
 */
export function firstLoad(bundle: Rolldown.OutputBundle): FirstLoad | string {
  const chunks = Object.values(bundle).flatMap((file) => (file.type === 'chunk' ? [file] : []))
  const byName = new Map(chunks.map((chunk) => [chunk.fileName, chunk]))
  const entry = chunks.find((chunk) => chunk.isEntry)
  const editor = chunks.find((chunk) => chunk.facadeModuleId?.endsWith(EDITOR_VIEW))
  if (!entry || !editor) return `no entry chunk, or no chunk for ${EDITOR_VIEW}`

  /** A chunk and every chunk it imports statically, in load order. */
  const closure = (start: string, into = new Set<string>()): Set<string> => {
    if (into.has(start)) return into
    into.add(start)
    for (const imported of byName.get(start)?.imports ?? []) closure(imported, into)
    return into
  }
  const loaded = closure(entry.fileName)
  return {
    byName,
    entry: loaded,
    editor: [...closure(editor.fileName)].filter((name) => !loaded.has(name)),
  }
}
