/**
 * The header that carries a saved template's edit token (`PUT`/`DELETE /api/templates/<id>`).
 * Here, not in the schema module, so that the editor can send it without carrying TypeBox.
 */
export const EDIT_TOKEN_HEADER = 'x-edit-token'
