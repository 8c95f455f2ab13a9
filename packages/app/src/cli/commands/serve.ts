import { InvalidInput } from "@fm-rendezvous/domain"
import { Config, Effect, Layer, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { declareSignalStopIsNormal } from "../../daemon/gracefulStop.ts"
import { withStores } from "../session.ts"

/** HOST:PORT (SPEC 8.1); `[::1]:8080` for IPv6. Port 0 picks a free port (the log line says which). */
export const parseListen = (text: string): Effect.Effect<{ host: string; port: number }, InvalidInput> => {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text.trim())
  const port = m === null ? Number.NaN : Number(m[3])
  return m !== null && port <= 65535
    ? Effect.succeed({ host: (m[1] ?? m[2])!, port })
    : Effect.fail(new InvalidInput({ message: `--listen takes HOST:PORT such as 127.0.0.1:8080, not ${JSON.stringify(text)}.` }))
}

export const serveCommand = Command.make(
  "serve",
  {
    listen: Flag.String("listen").pipe(
      Flag.withDescription("HOST:PORT to listen on (else FM_LISTEN, else 127.0.0.1:8080); off loopback, put a TLS proxy in front."),
      Flag.withFallbackConfig(Config.String("FM_LISTEN")),
      Flag.optional
    )
  },
  ({ listen }) =>
    withStores(Effect.gen(function*() {
      const address = yield* parseListen(Option.getOrElse(listen, () => "127.0.0.1:8080"))
      // The HTTP modules load only here, so other commands start without them.
      const { serverLayer } = yield* Effect.promise(() => import("../../http/server.ts"))
      declareSignalStopIsNormal()
      return yield* Layer.launch(serverLayer(address))
    }))
).pipe(Command.withDescription("Serve the authenticated operator and planner API (SIGTERM or SIGINT stops it)."))
