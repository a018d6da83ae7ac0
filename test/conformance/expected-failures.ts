/**
 * The conformance CI step's verdict (pure): the tests a report says failed, against the checked-in list
 * of tests known to fail (test/conformance/expected-failures.yaml, each with its reason). A failure not in
 * the list is a regression; a listed test that passed is named, to be taken out. A listed test
 * the run did not report at all (skipped, or not run with -run-test) is neither.
 */
import YAML from 'yaml';

export interface ExpectedFailure {
  readonly test: string;
  readonly reason: string;
}

export interface ConformanceVerdict {
  /** Failed, and not in the list: the step fails. */
  readonly unexpected: readonly string[];
  /** In the list, and passed: named in the output, to take out of the list once it keeps passing. */
  readonly nowPassing: readonly string[];
}

interface LevelTests {
  readonly failedTests?: readonly string[];
  readonly skippedTests?: readonly string[];
  readonly statistics?: { readonly Passed?: number };
}

interface ReportShape {
  readonly kind?: string;
  readonly profiles?: readonly { readonly core?: LevelTests; readonly extended?: LevelTests }[] | null;
}

/** The list file's entries; throws with the entry's index on anything but `{test, reason}` pairs. */
export function parseExpectedFailures(text: string): readonly ExpectedFailure[] {
  const doc = YAML.parse(text) as unknown;
  if (doc === null || doc === undefined) return [];
  if (!Array.isArray(doc)) throw new Error('expected failures: the file must be a YAML list');
  return doc.map((e: unknown, i): ExpectedFailure => {
    const entry = e as Partial<Record<string, unknown>> | null;
    const test = entry?.['test'];
    const reason = entry?.['reason'];
    if (typeof test !== 'string' || !/^[A-Za-z0-9]+$/.test(test))
      throw new Error(`expected failures [${i}]: "test" must be a test name`);
    if (typeof reason !== 'string' || reason.trim() === '')
      throw new Error(`expected failures [${i}] (${test}): "reason" must say why it fails`);
    return { test, reason };
  });
}

/** The failed tests of a report, every profile and level, sorted and unique. */
export function failedTestsOf(reportText: string): readonly string[] {
  const report = YAML.parse(reportText) as ReportShape | null;
  if (report?.kind !== 'ConformanceReport') throw new Error('not a conformance report');
  const failed = new Set<string>();
  for (const p of report.profiles ?? [])
    for (const level of [p.core, p.extended]) for (const t of level?.failedTests ?? []) failed.add(t);
  return [...failed].sort();
}

/**
 * The verdict for a run. `ran` are the tests the run covered and did not skip (a full run: every test of
 * the profiles, known from the suite log's `--- PASS`/`--- FAIL` lines): only those can be "now passing".
 */
export function conformanceVerdict(
  failed: readonly string[],
  ran: readonly string[],
  expected: readonly ExpectedFailure[],
): ConformanceVerdict {
  const listed = new Set(expected.map((e) => e.test));
  const failedSet = new Set(failed);
  const ranSet = new Set(ran);
  return {
    unexpected: failed.filter((t) => !listed.has(t)),
    nowPassing: [...listed].filter((t) => ranSet.has(t) && !failedSet.has(t)).sort(),
  };
}

/**
 * The conformance tests a suite log shows as run to an end: Go's `--- PASS: TestConformance/<Name>` and
 * `--- FAIL: ...` lines (one level below TestConformance; sub-tests of a test are not tests of the report).
 */
export function testsRunInLog(log: string): readonly string[] {
  const ran = new Set<string>();
  for (const m of log.matchAll(/^\s*--- (?:PASS|FAIL): TestConformance\/([A-Za-z0-9]+) /gm)) ran.add(m[1]!);
  return [...ran].sort();
}
