/** Metric samples collected at scrape time, independent of the client library that writes them. */
export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricDef {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  /** Every sample carries exactly these labels (histogram buckets add `le`). */
  readonly labels: readonly string[];
  /** Upper bounds of a histogram's buckets (base units), +Inf implied. */
  readonly buckets?: readonly number[];
}

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  readonly labels: Labels;
  readonly value: number;
  /** A histogram's series: _bucket, _sum or _count. */
  readonly suffix?: '_bucket' | '_sum' | '_count';
}

export interface MetricFamily {
  readonly def: MetricDef;
  readonly samples: readonly Sample[];
}

/** Collects samples per metric and checks each against its definition (labels, buckets). */
export class FamilyBuilder {
  readonly #samples = new Map<MetricDef, Sample[]>();

  constructor(defs: readonly MetricDef[]) {
    for (const def of defs) this.#samples.set(def, []);
  }

  add(def: MetricDef, labels: Labels, value: number): void {
    if (def.type === 'histogram') throw new Error(`${def.name} is a histogram: use addHistogram`);
    this.#list(def, labels).push({ labels, value });
  }

  /**
   * One histogram series from per-bucket (not cumulative) counts: counts[i] for bucket i of
   * def.buckets, the last one for +Inf.
   */
  addHistogram(def: MetricDef, labels: Labels, counts: readonly number[], sum: number): void {
    const bounds = def.buckets ?? [];
    if (def.type !== 'histogram' || counts.length !== bounds.length + 1) throw new Error(`${def.name}: bad histogram data`);
    const list = this.#list(def, labels);
    let cumulative = 0;
    counts.forEach((count, i) => {
      cumulative += count;
      const le = i < bounds.length ? String(bounds[i]) : '+Inf';
      list.push({ labels: { ...labels, le }, value: cumulative, suffix: '_bucket' });
    });
    list.push({ labels, value: sum, suffix: '_sum' }, { labels, value: cumulative, suffix: '_count' });
  }

  families(): MetricFamily[] {
    return [...this.#samples].map(([def, samples]) => ({ def, samples }));
  }

  #list(def: MetricDef, labels: Labels): Sample[] {
    const list = this.#samples.get(def);
    if (!list) throw new Error(`${def.name} is not in this builder's catalog`);
    const names = Object.keys(labels);
    if (names.length !== def.labels.length || !def.labels.every((l) => names.includes(l))) {
      throw new Error(`${def.name} takes labels [${def.labels.join(', ')}], got [${names.join(', ')}]`);
    }
    return list;
  }
}

/** Bucket counts observed elsewhere, spread into a histogram's buckets by upper bound. */
export function bucketCounts(bounds: readonly number[], values: readonly number[]): number[] {
  const counts = new Array<number>(bounds.length + 1).fill(0);
  for (const v of values) {
    const i = bounds.findIndex((b) => v <= b);
    const at = i < 0 ? bounds.length : i;
    counts[at] = (counts[at] ?? 0) + 1;
  }
  return counts;
}
