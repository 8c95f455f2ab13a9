// Under Deno, the domain's tests import "vitest" from here (deno.json maps it): the same test
// files run on Node through vitest and on Deno through Deno.test, proving the domain is portable.
import assert from "node:assert/strict"

declare const Deno: { test: (name: string, fn: () => unknown) => void }

const prefix: Array<string> = []
export const describe = (name: string, body: () => void) => {
  prefix.push(name)
  try {
    body()
  } finally {
    prefix.pop()
  }
}
export const it = (name: string, fn: () => unknown) => Deno.test([...prefix, name].join(" > "), fn)
export const test = it

const matchers = (actual: unknown, negate: boolean) => {
  const check = (fn: () => void) => {
    if (!negate) return fn()
    let threw = false
    try {
      fn()
    } catch {
      threw = true
    }
    if (!threw) throw new assert.AssertionError({ message: `expected the assertion to fail for ${String(actual)}` })
  }
  return {
    toBe: (expected: unknown) => check(() => assert.ok(Object.is(actual, expected), `${String(actual)} is not ${String(expected)}`)),
    toEqual: (expected: unknown) => check(() => assert.deepStrictEqual(actual, expected)),
    toStrictEqual: (expected: unknown) => check(() => assert.deepStrictEqual(actual, expected)),
    // The expected object's own keys only, each compared deeply (vitest's toMatchObject for flat objects).
    toMatchObject: (expected: Record<string, unknown>) =>
      check(() => assert.deepStrictEqual(Object.fromEntries(Object.keys(expected).map((k) => [k, (actual as Record<string, unknown>)[k]])), expected)),
    toContain: (item: unknown) => check(() => assert.ok((actual as { includes: (x: unknown) => boolean }).includes(item))),
    toMatch: (re: RegExp | string) => check(() => assert.match(String(actual), typeof re === "string" ? new RegExp(re) : re)),
    toBeGreaterThan: (n: number | bigint) => check(() => assert.ok((actual as number) > n)),
    toBeLessThan: (n: number | bigint) => check(() => assert.ok((actual as number) < n)),
    toHaveLength: (n: number) => check(() => assert.equal((actual as { length: number }).length, n)),
    toBeUndefined: () => check(() => assert.equal(actual, undefined)),
    toBeNull: () => check(() => assert.equal(actual, null)),
    toThrow: (re?: RegExp) =>
      check(() => (re === undefined ? assert.throws(actual as () => unknown) : assert.throws(actual as () => unknown, re)))
  }
}
export const expect = (actual: unknown) => ({ ...matchers(actual, false), not: matchers(actual, true) })
