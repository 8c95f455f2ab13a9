import { describe, expect, it } from "vitest"
import * as fromPackage from "@fm-rendezvous/domain"
import * as fromSource from "../src/index.ts"

/**
 * The package name resolves to the TypeScript sources inside the workspace: through the
 * "@fm-rendezvous/source" export condition under vitest, through deno.json's `exports` under Deno
 * (the root deno.json lists the domain as a workspace member). Never to a possibly stale dist/.
 */
describe("@fm-rendezvous/domain inside the workspace", () => {
  it("is the source module itself", () => {
    expect(fromPackage.planChild).toBe(fromSource.planChild)
    expect(fromPackage.collectibility).toBe(fromSource.collectibility)
  })
})
