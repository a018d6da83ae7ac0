/**
 * A small strict parser of the Prometheus text exposition format (version 0.0.4), for tests that scrape
 * a gateway's `/stats/prometheus` or the controller's `/metrics`. Strict: any line that is not a
 * `# HELP`, a `# TYPE`, another comment, a blank line or a well-formed sample throws with its line
 * number; a family's `# TYPE` must come before its samples and only once; a sample's name must be its
 * family's (plus `_bucket`, `_sum`, `_count` for histograms and summaries); label values are unescaped
 * (`\\`, `\"`, `\n`); values are floats, `NaN`, `+Inf` or `-Inf`; a label may not repeat.
 */

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface MetricFamily {
  readonly name: string;
  readonly type: MetricType;
  readonly help?: string;
  readonly samples: readonly Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES: readonly MetricType[] = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];

interface MutableFamily {
  name: string;
  type: MetricType;
  help?: string;
  samples: Sample[];
  typed: boolean;
}

function parseValue(text: string, where: string): number {
  if (text === 'NaN') return NaN;
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`${where}: bad value "${text}"`);
  return Number(text);
}

/** `{a="x",b="y"}` from position `i` (at the `{`): the labels and the position after the `}`. */
function parseLabels(
  line: string,
  i: number,
  where: string,
): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let p = i + 1;
  for (;;) {
    if (line[p] === '}') return { labels, end: p + 1 };
    const eq = line.indexOf('=', p);
    if (eq < 0) throw new Error(`${where}: label without '='`);
    const name = line.slice(p, eq).trim();
    if (!LABEL_NAME.test(name)) throw new Error(`${where}: bad label name "${name}"`);
    if (name in labels) throw new Error(`${where}: label ${name} repeated`);
    if (line[eq + 1] !== '"') throw new Error(`${where}: label ${name} value not quoted`);
    let value = '';
    let q = eq + 2;
    for (; q < line.length && line[q] !== '"'; q++) {
      if (line[q] !== '\\') {
        value += line[q];
        continue;
      }
      const e = line[++q];
      if (e === 'n') value += '\n';
      else if (e === '\\' || e === '"') value += e;
      else throw new Error(`${where}: bad escape \\${e ?? ''} in label ${name}`);
    }
    if (q >= line.length) throw new Error(`${where}: unterminated value of label ${name}`);
    labels[name] = value;
    p = q + 1;
    if (line[p] === ',') p++;
    else if (line[p] !== '}') throw new Error(`${where}: expected ',' or '}' after label ${name}`);
  }
}

function familyOf(name: string, families: Map<string, MutableFamily>): MutableFamily | undefined {
  const own = families.get(name);
  if (own) return own;
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  const base = m ? families.get(m[1]!) : undefined;
  if (!base) return undefined;
  const suffixOk = base.type === 'histogram' || (base.type === 'summary' && m![2] !== 'bucket');
  return suffixOk ? base : undefined;
}

function parseComment(line: string, families: Map<string, MutableFamily>, where: string): void {
  const m = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
  if (!m) return; // another comment
  const [, kind, name, rest] = m as unknown as [string, 'HELP' | 'TYPE', string, string | undefined];
  if (!NAME.test(name)) throw new Error(`${where}: bad metric name "${name}"`);
  const f = families.get(name) ?? { name, type: 'untyped' as MetricType, samples: [], typed: false };
  families.set(name, f);
  if (kind === 'HELP') {
    f.help = (rest ?? '').replace(/\\n/g, '\n').replace(/\\\\/g, '\\');
    return;
  }
  if (f.typed) throw new Error(`${where}: second # TYPE for ${name}`);
  if (f.samples.length > 0) throw new Error(`${where}: # TYPE for ${name} after its samples`);
  if (!TYPES.includes(rest as MetricType)) throw new Error(`${where}: bad type "${rest ?? ''}"`);
  f.type = rest as MetricType;
  f.typed = true;
}

function parseSample(line: string, families: Map<string, MutableFamily>, where: string): void {
  const nameEnd = line.search(/[{ ]/);
  if (nameEnd <= 0) throw new Error(`${where}: not a sample`);
  const name = line.slice(0, nameEnd);
  if (!NAME.test(name)) throw new Error(`${where}: bad metric name "${name}"`);
  const { labels, end } =
    line[nameEnd] === '{' ? parseLabels(line, nameEnd, where) : { labels: {}, end: nameEnd };
  const rest = line.slice(end).trim().split(/ +/);
  if (rest.length < 1 || rest.length > 2 || rest[0] === '') throw new Error(`${where}: expected a value`);
  if (rest[1] !== undefined && !/^-?\d+$/.test(rest[1])) throw new Error(`${where}: bad timestamp`);
  let family = familyOf(name, families);
  if (!family) {
    family = { name, type: 'untyped', samples: [], typed: false };
    families.set(name, family);
  }
  family.samples.push({ name, labels, value: parseValue(rest[0]!, where) });
}

/** Parses an exposition; throws on the first malformed line. */
export function parsePrometheusText(text: string): ReadonlyMap<string, MetricFamily> {
  const families = new Map<string, MutableFamily>();
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const where = `line ${i + 1}`;
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    if (line.startsWith('#')) parseComment(line, families, where);
    else parseSample(line, families, where);
  }
  return new Map(
    [...families].map(([k, f]) => [
      k,
      { name: f.name, type: f.type, ...(f.help !== undefined ? { help: f.help } : {}), samples: f.samples },
    ]),
  );
}

/** The value of the one sample of `name` whose labels include `labels`; throws when none or several match. */
export function sampleValue(
  families: ReadonlyMap<string, MetricFamily>,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number {
  const all = [...families.values()].flatMap((f) => f.samples).filter((s) => s.name === name);
  const hits = all.filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (hits.length !== 1)
    throw new Error(`${hits.length} samples of ${name} with ${JSON.stringify(labels)} (of ${all.length})`);
  return hits[0]!.value;
}
