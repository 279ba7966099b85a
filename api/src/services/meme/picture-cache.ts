/** What a cache entry must say about its size. */
export interface Sized {
  readonly byteLength: number
}

interface Entry<T> {
  etag: string
  value: T
}

/**
 * Decoded pictures by object key, least recently used first out, bounded by the bytes
 * they hold. People re-render the same picture with new text over and over; decoding it
 * again each time costs more than drawing the text. An entry is only good for the object
 * version it was decoded from: callers give the ETag S3 answered with.
 */
export class PictureCache<T extends Sized> {
  /** Map keeps insertion order: the first key is the least recently used. */
  readonly #entries = new Map<string, Entry<T>>()
  #bytes = 0

  constructor(readonly maxBytes: number) {}

  /** Bytes held now. */
  get bytes(): number {
    return this.#bytes
  }

  get size(): number {
    return this.#entries.size
  }

  /** The ETag of the cached version of `key`, for a conditional read. */
  etagOf(key: string): string | undefined {
    return this.#entries.get(key)?.etag
  }

  /** The picture decoded from this version of the object, marked as just used. */
  get(key: string, etag: string): T | undefined {
    const entry = this.#entries.get(key)
    if (!entry) return undefined
    if (entry.etag !== etag) {
      this.delete(key)
      return undefined
    }
    this.#entries.delete(key)
    this.#entries.set(key, entry)
    return entry.value
  }

  /** Keeps a picture, evicting the least recently used ones to make room; a picture larger than the whole cache is not kept. */
  set(key: string, etag: string, value: T): void {
    this.delete(key)
    if (value.byteLength > this.maxBytes) return
    for (const [oldest, entry] of this.#entries) {
      if (this.#bytes + value.byteLength <= this.maxBytes) break
      this.#entries.delete(oldest)
      this.#bytes -= entry.value.byteLength
    }
    this.#entries.set(key, { etag, value })
    this.#bytes += value.byteLength
  }

  delete(key: string): void {
    const entry = this.#entries.get(key)
    if (!entry) return
    this.#entries.delete(key)
    this.#bytes -= entry.value.byteLength
  }

  clear(): void {
    this.#entries.clear()
    this.#bytes = 0
  }
}
