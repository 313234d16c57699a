// Runs the HTTP cache conformance suite (a copy of github.com/http-tests/cache-tests in SUITE,
// argv[2]) against a cache at BASE (argv[3]) as a private (browser) cache, and compares the
// required tests' results with the expected failures listed in argv[4]. Exits 1 when a test
// fails that is not listed, when a listed test passes (the list must stay true), or when the
// list names a test the suite does not have. Called by run.sh.
import fs from 'fs'
import path from 'path'
import { pathToFileURL } from 'url'

const [suite, base, expectedFile] = process.argv.slice(2)
const load = file => import(pathToFileURL(path.join(suite, file)).href)
const { runTests, getResults } = await load('test-engine/client/runner.mjs')
const { testResults } = await load('test-engine/client/test.mjs')
const tests = (await load('tests/index.mjs')).default
const { determineTestResult, resultTypes } = await load('test-engine/lib/results.mjs')

// One line per expected failure: `test-id  reason`; `#` starts a comment.
const expected = new Map()
for (const line of fs.readFileSync(expectedFile, 'utf8').split('\n')) {
  const text = line.replace(/#.*/, '').trim()
  if (text === '') continue
  const [id, ...why] = text.split(/\s+/)
  if (why.length === 0) throw new Error(`${expectedFile}: ${id} needs a reason`)
  expected.set(id, why.join(' '))
}

await runTests(tests, true, base)
const byId = new Map()
tests.forEach(suite => suite.tests.forEach(test => byId.set(test.id, test)))

// The suite's own verdict: pass, fail, setup or dependency failed, harness failure, retry.
const verdictIn = (results, id) => Object.keys(resultTypes).find(name => resultTypes[name] === determineTestResult(tests, id, results, false))
const verdict = id => Object.keys(resultTypes).find(name => resultTypes[name] === determineTestResult(tests, id, results))

// A private cache: tests only a browser skips, or only a CDN runs, are left out.
const selected = [...byId.values()].filter(t => t.browser_skip !== true && t.cdn_only !== true)
const required = selected.filter(t => (t.kind || 'required') === 'required')

// A required test whose setup failed (the suite's server did not get its configuration) or whose
// request the harness gave up on says nothing about the cache: it runs once more, on its own,
// and its second result counts. Seen in CI on a busy machine: three setup PUTs answered 504.
const unsure = required.map(t => t.id).filter(id => !expected.has(id) && ['setup_fail', 'harness_fail'].includes(verdictIn(getResults(), id)))
if (unsure.length > 0) {
  console.log(`re-running ${unsure.length} test(s) whose setup or harness failed: ${unsure.join(', ')}`)
  for (const id of unsure) delete testResults[id]
  await runTests([{ tests: unsure.map(id => byId.get(id)) }], true, base)
}
const results = getResults()
const passes = id => verdict(id) === 'pass'

const problems = []
for (const id of expected.keys()) {
  const test = byId.get(id)
  if (test === undefined) problems.push(`UNKNOWN ${id}: listed as an expected failure, but the suite has no such test`)
  else if (!required.includes(test)) problems.push(`NOT REQUIRED ${id}: listed as an expected failure, but a private cache is not required to pass it`)
  else if (passes(id)) problems.push(`UNEXPECTED PASS ${id} — ${test.name}\n     remove it from ${path.basename(expectedFile)}`)
}
const failed = required.filter(t => !passes(t.id))
for (const test of failed) {
  const result = results[test.id]
  const why = `${verdict(test.id)}: ${result === undefined ? 'not run' : result === true ? 'a dependency failed' : result.join(': ')}`
  if (expected.has(test.id)) {
    console.log(`expected failure ${test.id} — ${expected.get(test.id)}`)
  } else {
    problems.push(`FAIL ${test.id} — ${test.name}\n     ${why}`)
  }
}
const optimal = selected.filter(t => t.kind === 'optimal')
const optimalPassed = optimal.filter(t => passes(t.id)).length
console.log(`\n${required.length - failed.length} of ${required.length} required tests pass (${failed.filter(t => expected.has(t.id)).length} expected failures)`)
console.log(`${optimalPassed} of ${optimal.length} optimal tests pass (a cache may skip these)`)
if (process.env.SHOW_OPTIMAL) {
  for (const test of optimal.filter(t => !passes(t.id))) console.log(`optimal, not passed: ${test.id}`)
}
for (const problem of problems) console.log(problem)
process.exitCode = problems.length === 0 ? 0 : 1
