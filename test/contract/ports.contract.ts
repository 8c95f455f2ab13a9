import { describe } from "@effect/vitest"
import type { PortTarget } from "../support/ports.ts"
import { publishingContract } from "./publish.contract.ts"
import { deltaContract } from "./delta.contract.ts"
import { guardContract } from "./guard.contract.ts"
import { deletionContract } from "./delete.contract.ts"
import { gcContract } from "./gc.contract.ts"
import { progressContract } from "./progress.contract.ts"
import { historyContract } from "./history.contract.ts"
import { explanationsContract } from "./explain.contract.ts"
import { lineageContract } from "./lineage.contract.ts"
import { auditContract } from "./audit.contract.ts"
import { leasesContract } from "./leases.contract.ts"
import { contractTest } from "./fixtures.ts"

/**
 * The port contract (ARCHITECTURE: "the contract suite proves both adapters agree on every
 * outcome"), one file per SPEC section. Every adapter runs it unchanged; each test gets a fresh,
 * empty store.
 */
export const portContract = (target: PortTarget) =>
  describe(`port contract: ${target.name}`, () => {
    const test = contractTest(target)
    publishingContract(test)
    deltaContract(target)
    guardContract(test)
    deletionContract(test)
    gcContract(test)
    progressContract(test)
    historyContract(test)
    explanationsContract(test)
    lineageContract(test)
    auditContract(test)
    leasesContract(test)
  })
