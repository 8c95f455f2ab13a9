import { portContract } from "../contract/ports.contract.ts"
import { memoryTarget } from "./target.ts"

portContract(memoryTarget)
