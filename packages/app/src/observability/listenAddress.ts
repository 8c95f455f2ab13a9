import { Effect } from "effect"
import { Refused, Usage } from "../shared/failure.ts"

export interface ListenAddress {
  readonly host: string
  readonly port: number
}

/**
 * `HOST:PORT` as a listening flag takes it (`127.0.0.1:9464`, `[::1]:9464`, `localhost:0` for a
 * free port): anything else is bad usage, said in one sentence naming the flag and an example
 * of its own (the API's port is not the metrics port).
 */
export const parseListenAddress = (raw: string, flag: string, example: string): Effect.Effect<ListenAddress, Usage> => {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:[\]]+)):(\d{1,5})$/.exec(raw.trim())
  const port = m === null ? Number.NaN : Number(m[3])
  if (m === null || port > 65535) {
    return Effect.fail(new Usage({ message: `${flag} takes HOST:PORT (such as ${example}), not ${JSON.stringify(raw)}.` }))
  }
  return Effect.succeed({ host: m[1] ?? m[2]!, port })
}

/** A listener that cannot take its address (in use, not permitted) is a refusal in one sentence. */
export const cannotListen = (what: string, address: ListenAddress) => (e: { readonly cause: unknown }): Refused =>
  new Refused({
    message: `Cannot serve ${what} on ${address.host}:${address.port}: ${e.cause instanceof Error ? e.cause.message : String(e.cause)}.`
  })
