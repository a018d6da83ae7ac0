/**
 * The summary table of a Gateway API conformance report (the YAML the suite writes with
 * `-report-output`): one row per profile and level with its result and counts, then the failed and
 * skipped tests by name. Pure: report text in, Markdown out.
 */
import YAML from 'yaml';

interface Statistics {
  readonly Passed?: number;
  readonly Skipped?: number;
  readonly Failed?: number;
}

interface LevelStatus {
  readonly result?: string;
  readonly statistics?: Statistics;
  readonly skippedTests?: readonly string[];
  readonly failedTests?: readonly string[];
}

interface ProfileReport {
  readonly name?: string;
  readonly core?: LevelStatus;
  readonly extended?: LevelStatus;
}

interface ConformanceReport {
  readonly kind?: string;
  readonly gatewayAPIVersion?: string;
  readonly gatewayAPIChannel?: string;
  readonly profiles?: readonly ProfileReport[];
}

function row(profile: string, level: string, s: LevelStatus): string {
  const st = s.statistics ?? {};
  const n = (v: number | undefined): string => String(v ?? 0);
  return `| ${profile} | ${level} | ${s.result ?? '?'} | ${n(st.Passed)} | ${n(st.Failed)} | ${n(st.Skipped)} |`;
}

function names(
  label: string,
  profile: string,
  level: string,
  tests: readonly string[] | undefined,
): string[] {
  return tests && tests.length > 0
    ? [`- ${label} (${profile} ${level}): ${[...tests].sort().join(', ')}`]
    : [];
}

/** The Markdown summary of a conformance report's YAML text; throws if it is not a report. */
export function summarizeConformanceReport(yamlText: string): string {
  const report = YAML.parse(yamlText) as ConformanceReport | null;
  if (report?.kind !== 'ConformanceReport')
    throw new Error('not a conformance report (kind is not ConformanceReport)');
  const title = `Gateway API ${report.gatewayAPIVersion ?? '?'} (${report.gatewayAPIChannel ?? '?'} channel)`;
  if (!Array.isArray(report.profiles))
    return `${title}\n\nno profile results: the suite stopped before running any test (see its log)`;
  const rows: string[] = [];
  const lists: string[] = [];
  const profiles = [...report.profiles].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''));
  for (const p of profiles) {
    const name = p.name ?? '?';
    for (const [level, status] of [
      ['core', p.core],
      ['extended', p.extended],
    ] as const) {
      if (!status) continue;
      rows.push(row(name, level, status));
      lists.push(...names('failed', name, level, status.failedTests));
      lists.push(...names('skipped', name, level, status.skippedTests));
    }
  }
  return [
    title,
    '',
    '| profile | level | result | passed | failed | skipped |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
    ...(lists.length > 0 ? ['', ...lists] : []),
  ].join('\n');
}
