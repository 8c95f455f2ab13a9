import { Generation, SitrepVersion } from "@fm-rendezvous/domain"
import { Schema } from "effect"

const decodeGeneration = Schema.decodeUnknownSync(Generation)
const decodeVersion = Schema.decodeUnknownSync(SitrepVersion)

/** INT8 comes back as bigint; a generation goes through the domain's schema (SPEC 2 range). */
export const toGeneration = (value: unknown): Generation =>
  decodeGeneration(typeof value === "bigint" ? value : BigInt(value as string))

export const toVersion = (value: unknown): SitrepVersion => decodeVersion(Number(value))

export const toDate = (value: unknown): Date => (value instanceof Date ? value : new Date(value as string))
