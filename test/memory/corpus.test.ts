import { corpusOnUseCase } from "../corpus/runUseCase.ts"
import { memoryTarget } from "./target.ts"

corpusOnUseCase(memoryTarget)
