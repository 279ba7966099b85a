/**
 * The control function's Lambda entry point: health, upload policies, the admin and signature
 * tools, webhooks, events, docs. It imports no native package, so it starts small and quick;
 * see `entry-points.ts` for which paths it serves.
 */
import control from './functions/control.ts'
import { lambdaHandler } from './lambda-handler.ts'
import { migrateRecordsFromS3 } from './migrate-records.ts'

export const handler = await lambdaHandler(control, { afterReady: migrateRecordsFromS3 })
