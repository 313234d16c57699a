// Runs the HTTP cache conformance suite (npm package http-cache-tests) against a cache at
// BASE (argv[2]) as a private (browser) cache, and prints the required tests' results.
// Called by run.sh from inside the unpacked package directory.
import fetch from 'node-fetch'
import { runTests, getResults } from './client/runner.mjs'
import tests from './tests/index.mjs'

const base = process.argv[2]
await runTests(tests, fetch, true, base)
const results = getResults()
const byId = new Map()
tests.forEach(suite => suite.tests.forEach(test => byId.set(test.id, test)))

function passes (id) {
  const test = byId.get(id)
  if (results[id] !== true) return false
  return (test.depends_on || []).every(passes)
}

const required = [...byId.values()].filter(t => (t.kind || 'required') === 'required' && t.browser_skip !== true)
const failed = required.filter(t => !passes(t.id))
for (const test of failed) {
  const result = results[test.id]
  const why = result === undefined ? 'not run' : result === true ? 'a dependency failed' : result.join(': ')
  console.log(`FAIL ${test.id} — ${test.name}\n     ${why}`)
}
const optimal = [...byId.values()].filter(t => t.kind === 'optimal' && t.browser_skip !== true)
const optimalPassed = optimal.filter(t => passes(t.id)).length
console.log(`\n${required.length - failed.length} of ${required.length} required tests pass`)
console.log(`${optimalPassed} of ${optimal.length} optimal tests pass (a cache may skip these)`)
