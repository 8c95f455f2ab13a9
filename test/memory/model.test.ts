import { it } from "vitest"
import { runModel } from "../model/model.ts"
import { memoryTarget } from "./target.ts"

const runs = Number(process.env["FM_MODEL_RUNS"] ?? 1000)

it(`model-based: every SPEC section 4 invariant holds over ${runs} generated histories (memory)`, async () => {
  await runModel(memoryTarget, runs)
}, 600_000)
