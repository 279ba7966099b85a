import { createStore, type UseStore } from 'idb-keyval'

/**
 * This browser's own copy of the editor's work (the draft, recent memes), in IndexedDB: never
 * sent anywhere. Opened on first use, so a browser without IndexedDB fails there, in a
 * promise the callers catch, and not on loading the app.
 */
let database: UseStore | undefined

export function localDatabase(): UseStore {
  database ??= createStore('meme-studio', 'editor')
  return database
}
