/** One line of a RESULTS.md table, as every scenario reports it (and as the JSON results keep it). */
export interface Row {
  readonly key: string;
  readonly scenario: string;
  readonly ours: string;
  readonly ceiling: string;
  readonly naive: string;
  /** ours ÷ ceiling, for throughput rows. */
  readonly ratio: number | null;
  readonly target: string;
  readonly met: boolean | null;
  readonly note: string;
  readonly data: Record<string, unknown>;
}
