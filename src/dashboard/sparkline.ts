/** A small inline SVG line of a series (requests per second, error %, p99) with a text equivalent. */
import { html, type Html } from './html.js';

export function sparkline(values: readonly number[], label: string): Html {
  const w = 120;
  const h = 24;
  if (values.length < 2) return html`<span class="spark-none">no samples yet</span>`;
  const max = Math.max(...values, 1e-9);
  const step = w / (values.length - 1);
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(h - 1 - (v / max) * (h - 2)).toFixed(1)}`).join(' ');
  return html`<svg class="spark" role="img" aria-label="${label}" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}"><polyline fill="none" stroke="currentColor" stroke-width="1.5" points="${points}"/></svg>`;
}
