/**
 * Charts drawn by the console itself as SVG (nothing fetched, no library): a line chart and a
 * stacked bar chart over days. Each is an image with a title and a one-sentence summary for screen
 * readers; its numbers are in the data table the page puts beside it, and every series is named in
 * a legend in words as well as colour.
 */
import type { JSX } from "preact";

export interface ChartSeries {
  readonly name: string;
  /** One value per label, in order. */
  readonly values: readonly number[];
}

/** Distinct on white at ≥ 3:1 (WCAG 1.4.11, graphical objects), and in the legend by name. */
const COLOURS = ["#1f4fbf", "#a3161b", "#1d6b33", "#7a4d00", "#6a2c91", "#00607a", "#8a3b12", "#4a5262"];

const WIDTH = 720;
const HEIGHT = 240;
const PAD = { left: 48, right: 12, top: 12, bottom: 36 };

export function colourOf(index: number): string {
  return COLOURS[index % COLOURS.length] ?? "#1d2330";
}

/** A round upper bound for the y axis and its ticks (0, ¼, ½, ¾, all), in whole numbers. */
function scale(max: number): { top: number; ticks: number[] } {
  const wanted = Math.max(1, Math.ceil(max / 4));
  const magnitude = 10 ** Math.floor(Math.log10(wanted));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= wanted) ?? wanted;
  return { top: step * 4, ticks: [0, 1, 2, 3, 4].map((i) => i * step) };
}

function Frame(props: { id: string; title: string; summary: string; top: number; ticks: number[]; labels: readonly string[]; children: JSX.Element | JSX.Element[] }): JSX.Element {
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const every = Math.max(1, Math.ceil(props.labels.length / 8));
  const step = (WIDTH - PAD.left - PAD.right) / Math.max(1, props.labels.length);
  return (
    <svg class="chart" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby={`${props.id}-title ${props.id}-desc`} preserveAspectRatio="xMidYMid meet">
      <title id={`${props.id}-title`}>{props.title}</title>
      <desc id={`${props.id}-desc`}>{props.summary}</desc>
      {props.ticks.map((tick) => {
        const y = PAD.top + plotHeight - (tick / props.top) * plotHeight;
        return (
          <g key={tick} aria-hidden="true">
            <line x1={PAD.left} x2={WIDTH - PAD.right} y1={y} y2={y} class="grid" />
            <text x={PAD.left - 6} y={y + 4} text-anchor="end" class="axis">
              {tick}
            </text>
          </g>
        );
      })}
      {props.labels.map((label, i) =>
        i % every === 0 ? (
          <text key={label} aria-hidden="true" x={PAD.left + step * i + step / 2} y={HEIGHT - PAD.bottom + 16} text-anchor="middle" class="axis">
            {label.slice(5)}
          </text>
        ) : null,
      )}
      {props.children}
    </svg>
  );
}

export function LineChart(props: { id: string; title: string; summary: string; labels: readonly string[]; series: readonly ChartSeries[] }): JSX.Element {
  const max = Math.max(0, ...props.series.flatMap((s) => s.values));
  const { top, ticks } = scale(max);
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const step = (WIDTH - PAD.left - PAD.right) / Math.max(1, props.labels.length);
  const x = (i: number) => PAD.left + step * i + step / 2;
  const y = (v: number) => PAD.top + plotHeight - (v / top) * plotHeight;
  return (
    <figure class="chart-figure">
      <Frame id={props.id} title={props.title} summary={props.summary} top={top} ticks={ticks} labels={props.labels}>
        {props.series.map((s, index) => (
          <g key={s.name} aria-hidden="true">
            <polyline fill="none" stroke={colourOf(index)} stroke-width="2.5" points={s.values.map((v, i) => `${x(i)},${y(v)}`).join(" ")} />
            {s.values.map((v, i) => (
              <circle key={i} cx={x(i)} cy={y(v)} r="3" fill={colourOf(index)} />
            ))}
          </g>
        ))}
      </Frame>
      <Legend series={props.series} />
    </figure>
  );
}

export function StackedBarChart(props: { id: string; title: string; summary: string; labels: readonly string[]; series: readonly ChartSeries[] }): JSX.Element {
  const totals = props.labels.map((_, i) => props.series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0));
  const { top, ticks } = scale(Math.max(0, ...totals));
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const step = (WIDTH - PAD.left - PAD.right) / Math.max(1, props.labels.length);
  const barWidth = Math.max(2, step * 0.7);
  return (
    <figure class="chart-figure">
      <Frame id={props.id} title={props.title} summary={props.summary} top={top} ticks={ticks} labels={props.labels}>
        {props.labels.map((label, i) => {
          let base = PAD.top + plotHeight;
          return (
            <g key={label} aria-hidden="true">
              {props.series.map((s, index) => {
                const height = ((s.values[i] ?? 0) / top) * plotHeight;
                base -= height;
                return height > 0 ? <rect key={s.name} x={PAD.left + step * i + (step - barWidth) / 2} y={base} width={barWidth} height={height} fill={colourOf(index)} /> : null;
              })}
            </g>
          );
        })}
      </Frame>
      <Legend series={props.series} />
    </figure>
  );
}

function Legend(props: { series: readonly ChartSeries[] }): JSX.Element {
  return (
    <figcaption>
      <ul class="legend">
        {props.series.map((s, index) => (
          <li key={s.name}>
            <svg width="14" height="14" aria-hidden="true" focusable="false">
              <rect width="14" height="14" fill={colourOf(index)} />
            </svg>{" "}
            {s.name}
          </li>
        ))}
      </ul>
    </figcaption>
  );
}
