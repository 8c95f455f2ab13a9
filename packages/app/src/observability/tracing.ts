import { Config, Effect, Layer, Option } from "effect"
import { FetchHttpClient } from "effect/http"
import { OtlpSerialization, OtlpTracer } from "effect/observability"

/**
 * Traces over OTLP/HTTP with the JSON encoding (SPEC 9), by effect/observability's OtlpTracer,
 * when `OTEL_EXPORTER_OTLP_ENDPOINT` is set (the collector's base URL, spans go to
 * `<endpoint>/v1/traces`, as OpenTelemetry's exporters do; `OTEL_SERVICE_NAME` names the
 * service). Unset: no tracer is installed and nothing is exported. Spans are batched and flushed
 * when the layer's scope closes (a stopping daemon or server exports what it has).
 * (`OtlpTracer.layerFromConfig` is not used: it exports only when `OTEL_TRACES_EXPORTER` names
 * `otlp` as well, and SPEC 9 says the endpoint alone turns tracing on.)
 *
 * `fm run` provides it around the daemon; `fm serve` provides `tracingLayer("fm-serve")` around
 * its server layer the same way, and every request then gets its span from the HTTP router.
 */
export const tracingLayer = (defaultServiceName: string): Layer.Layer<never, Config.ConfigError> =>
  Layer.unwrap(Effect.gen(function*() {
    const endpoint = yield* Config.option(Config.NonEmptyString("OTEL_EXPORTER_OTLP_ENDPOINT"))
    if (Option.isNone(endpoint)) return Layer.empty
    const serviceName = yield* Config.NonEmptyString("OTEL_SERVICE_NAME").pipe(Config.withDefault(defaultServiceName))
    return OtlpTracer.layer({
      url: `${endpoint.value.replace(/\/+$/, "")}/v1/traces`,
      resource: { serviceName },
      exportInterval: "2 seconds"
    }).pipe(Layer.provide(OtlpSerialization.layerJson), Layer.provide(FetchHttpClient.layer))
  }))
