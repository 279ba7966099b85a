import type { FastifyServerOptions } from 'fastify'
import pretty from 'pino-pretty'

/**
 * The local server's logger. JSON lines, as on Lambda, when the output goes to a file or
 * another program; when a person watches a terminal, one readable line per entry, a request
 * shown by its method and URL and its answer by status and time, each tagged with its id.
 */
export function localLogger(
  level: string,
  terminal = process.stdout.isTTY === true,
  /** Where the readable lines go (standard output); tests pass a stream of their own. */
  destination?: NodeJS.WritableStream,
): FastifyServerOptions['logger'] {
  if (!terminal) return { level }
  return {
    level,
    stream: pretty({
      colorize: true,
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname,reqId,req,res,responseTime',
      messageFormat: (log, messageKey) => {
        const { reqId, req, res, responseTime } = log as {
          reqId?: string
          req?: { method?: string; url?: string }
          res?: { statusCode?: number }
          responseTime?: number
        }
        const what =
          req?.method !== undefined
            ? `${req.method} ${req.url ?? ''}`
            : res?.statusCode !== undefined
              ? `${res.statusCode} in ${Math.round(responseTime ?? 0)} ms`
              : String(log[messageKey] ?? '')
        return reqId ? `${reqId} ${what}` : what
      },
      singleLine: true,
      ...(destination ? { destination, sync: true } : {}),
    }),
  }
}
