/** What `GET /api/limits` answers with the default settings: the editor's tests check files against it. */
export const LIMITS = {
  maxUploadBytes: 10 * 1024 * 1024,
  maxPixels: 40_000_000,
  maxEdge: 2048,
  minEdge: 48,
  maxAspectRatio: 10,
  imageTypes: ['image/jpeg', 'image/png', 'image/webp', 'image/gif'],
}
