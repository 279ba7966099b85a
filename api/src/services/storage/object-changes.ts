/**
 * What a store says of its objects as they change. The embedded S3 says it of every object
 * written or deleted through it, and every write to it passes through it: the process that
 * runs it need not ask S3 whether an object it read before is still the same. S3 itself says
 * nothing of the kind to a running app (its event notifications go to a queue or a function),
 * so on AWS, and against any S3_ENDPOINT, the app asks.
 */
export type ObjectChangeListener = (bucket: string, key: string) => void

export interface ObjectChanges {
  /** Calls `listener` once an object has been written or deleted; returns how to stop. */
  subscribe(listener: ObjectChangeListener): () => void
}

/** Announces the changes it is told of to whoever subscribed. */
export class ObjectChangeFeed implements ObjectChanges {
  readonly #listeners = new Set<ObjectChangeListener>()

  subscribe(listener: ObjectChangeListener): () => void {
    this.#listeners.add(listener)
    return () => void this.#listeners.delete(listener)
  }

  changed(bucket: string, key: string): void {
    for (const listener of this.#listeners) listener(bucket, key)
  }
}
