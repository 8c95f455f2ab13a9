// Adds vitest's JSON report and Deno's closing line into the one line CI reads.
import { existsSync, readFileSync } from "node:fs"

const [vitestJson, log] = process.argv.slice(2) as [string, string]
let passed = 0
let failed = 0
if (existsSync(vitestJson)) {
  const report = JSON.parse(readFileSync(vitestJson, "utf8")) as { numPassedTests: number; numFailedTests: number; numTotalTestSuites: number; testResults: Array<{ status: string }> }
  passed += report.numPassedTests
  failed += report.numFailedTests
  // A test file that failed to load has no tests to count: count it as one failure.
  failed += report.testResults.filter((f) => f.status === "failed").length > 0 && report.numFailedTests === 0 ? 1 : 0
} else {
  failed += 1
}
const text = existsSync(log) ? readFileSync(log, "utf8").replace(/\u001b\[[0-9;]*m/g, "") : ""
const deno = /(?:ok|FAILED) \| (\d+) passed(?: \(\d+ steps?\))? \| (\d+) failed/.exec(text)
if (deno) {
  passed += Number(deno[1])
  failed += Number(deno[2])
}
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed === 0 && passed > 0 ? 0 : 1)
