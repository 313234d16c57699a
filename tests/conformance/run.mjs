// Runs the HTTP cache conformance suite (github.com/http-tests/cache-tests, at its git head)
// against a cache at BASE (argv[2]) as a private (browser) cache, and prints the required
// tests' results. Called by run.sh from inside the suite's checkout.
import { runTests, getResults } from './test-engine/client/runner.mjs'
import tests from './tests/index.mjs'

const base = process.argv[2]
await runTests(tests, true, base)
const results = getResults()
const byId = new Map()
tests.forEach(suite => suite.tests.forEach(test => byId.set(test.id, test)))

function passes (id) {
  const test = byId.get(id)
  if (results[id] !== true) return false
  return (test.depends_on || []).every(passes)
}

// A private cache: tests only a browser skips, or only a CDN runs, are left out.
const selected = [...byId.values()].filter(t => t.browser_skip !== true && t.cdn_only !== true)
const required = selected.filter(t => (t.kind || 'required') === 'required')
const failed = required.filter(t => !passes(t.id))
for (const test of failed) {
  const result = results[test.id]
  const why = result === undefined ? 'not run' : result === true ? 'a dependency failed' : result.join(': ')
  console.log(`FAIL ${test.id} — ${test.name}\n     ${why}`)
}
const optimal = selected.filter(t => t.kind === 'optimal')
const optimalPassed = optimal.filter(t => passes(t.id)).length
console.log(`\n${required.length - failed.length} of ${required.length} required tests pass`)
console.log(`${optimalPassed} of ${optimal.length} optimal tests pass (a cache may skip these)`)
if (process.env.SHOW_OPTIMAL) {
  for (const test of optimal.filter(t => !passes(t.id))) console.log(`optimal, not passed: ${test.id}`)
}
