import { Result, Schema } from "effect"
import type { KindRegistry } from "../kinds/registry.ts"
import {
  type CaseDocument,
  decodeSitrepDocument,
  documentDecodeOptions,
  makeRequestDocument,
  makeSitrepDocumentShape,
  type SitrepDocument
} from "../model/document.ts"
import type { SitrepOutline } from "./lineage.ts"

/**
 * A full document (SPEC 7.1) decoded in steps, so that a publish runs the request schema on what
 * is new only (issue 19):
 *
 * - `shape` checks everything but the requests themselves (`makeSitrepDocumentShape`);
 * - `against` checks with its kind's schema each request the parent does not carry by that id
 *   (new ones, and anything that is not a plain JSON object with a string id); the others are left
 *   as they came, for `planChild`, which compares each with the parent's stored digest
 *   (`requestDigest`). A plan that succeeds has found every one of them to be, byte for byte in
 *   canonical form, a body the parent's publish validated under the same id;
 * - `full` is the whole schema (`decodeSitrepDocument`): its sentence is THE refusal of an invalid
 *   document (every problem in document order, up to 20, then how many more). Whenever a step
 *   finds a problem, and before any answer other than a successful plan (a refusal of the plan, a
 *   retried publish, a parent that is not current), the publish runs it, so every answer is the
 *   one the whole schema, run first, gave. Only such answers pay for it.
 */
export const decodeAgainstParent = (registry: KindRegistry) => {
  const full = decodeSitrepDocument(registry)
  const decodeShape = Schema.decodeUnknownResult(makeSitrepDocumentShape(registry))
  const requestDecoders = registry.all.map((kind) => ({ kind, decode: Schema.decodeUnknownResult(makeRequestDocument(kind)) }))
  const shape = (input: unknown): Result.Result<SitrepDocument, string> => {
    const shaped = decodeShape(input, documentDecodeOptions)
    return Result.isSuccess(shaped) ? Result.succeed(shaped.success as SitrepDocument) : full(input)
  }
  const against = (input: unknown, shaped: SitrepDocument, parent: SitrepOutline | undefined): Result.Result<SitrepDocument, string> => {
    const carried = new Map<string, Set<string>>()
    for (const r of parent?.carried ?? []) {
      let ids = carried.get(r.kind)
      if (ids === undefined) carried.set(r.kind, (ids = new Set()))
      ids.add(r.id)
    }
    const cases: Array<CaseDocument> = []
    for (const c of shaped.cases) {
      let decoded: Record<string, unknown> | undefined
      for (const { kind, decode } of requestDecoders) {
        const list = c[kind.documentField] as ReadonlyArray<unknown> | undefined
        if (list === undefined) continue
        const ids = carried.get(kind.name)
        let out: Array<unknown> | undefined
        for (let i = 0; i < list.length; i++) {
          const element = list[i]
          if (ids !== undefined && isPlainObject(element) && typeof element["id"] === "string" && ids.has(element["id"]) && isPlainJson(element)) {
            continue
          }
          const request = decode(element, documentDecodeOptions)
          if (Result.isFailure(request)) return full(input)
          ;(out ??= [...list])[i] = request.success
        }
        if (out !== undefined) (decoded ??= { ...c })[kind.documentField] = out
      }
      cases.push((decoded ?? c) as CaseDocument)
    }
    return Result.succeed({ ...shaped, cases })
  }
  return { shape, against, full }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => {
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

/** A value JSON.parse could have given: the text `canonicalJson` makes of it stands for it exactly. */
const isPlainJson = (v: unknown): boolean => {
  switch (typeof v) {
    case "string":
    case "boolean":
      return true
    case "number":
      return Number.isFinite(v)
    case "object": {
      if (v === null) return true
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) if (!(i in v) || !isPlainJson(v[i])) return false
        return true
      }
      if (!isPlainObject(v)) return false
      for (const k of Object.keys(v)) if (!isPlainJson(v[k])) return false
      return Object.getOwnPropertySymbols(v).length === 0
    }
    default:
      return false
  }
}
