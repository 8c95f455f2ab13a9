import { Config, Effect, Layer, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { declareSignalStopIsNormal } from "../../daemon/gracefulStop.ts"
import { cannotListen, parseListenAddress } from "../../observability/listenAddress.ts"
import { databaseOnly } from "../globalFlags.ts"
import { withStoresWhenReady } from "../session.ts"

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
    Effect.scoped(Effect.gen(function*() {
      const address = yield* parseListenAddress(Option.getOrElse(listen, () => "127.0.0.1:8080"), "--listen (or FM_LISTEN)", "127.0.0.1:8080")
      // The HTTP modules load only here, so other commands start without them.
      const { nodeServer, serverLayer } = yield* Effect.promise(() => import("../../http/server.ts"))
      const { waitingListener } = yield* Effect.promise(() => import("../../http/waiting.ts"))
      declareSignalStopIsNormal()
      // The address is taken at once and answers 503 until the database is ready (SPEC 8.5).
      const waiting = yield* waitingListener(yield* nodeServer, address).pipe(Effect.mapError((cause) => cannotListen("the API", address)({ cause })))
      return yield* withStoresWhenReady(
        Layer.launch(serverLayer(address, waiting.handOver)).pipe(
          Effect.catchTag("ServeError", (e) => Effect.fail(cannotListen("the API", address)(e))),
          // After the graceful shutdown: the server's last line.
          Effect.onInterrupt(() => Effect.sync(() => process.stderr.write("fm serve: stopped\n")))
        ),
        waiting.condition
      )
    }))
).pipe(Command.withDescription("Serve the authenticated operator and planner API (SIGTERM or SIGINT stops it)."), databaseOnly())
