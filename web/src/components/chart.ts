/**
 * @module web/components/chart
 * chart.js, registered with only the parts the dashboard draws (tree-shaken), a colour-blind
 * safe palette (Okabe–Ito), and `chart()`, which returns a sized canvas holder whose chart is
 * destroyed when the page is left.
 */
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  type ChartConfiguration,
  type ChartType,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  ScatterController,
  Title,
  Tooltip,
} from 'chart.js';
import { h } from '../dom.js';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  ScatterController,
  Title,
  Tooltip,
);
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
Chart.defaults.color = '#4a5160';
Chart.defaults.maintainAspectRatio = false;
Chart.defaults.animation = false;

export const PALETTE = [
  '#0072B2',
  '#E69F00',
  '#009E73',
  '#CC79A7',
  '#56B4E9',
  '#D55E00',
  '#8C6D1F',
  '#000000',
];

export function color(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}

/** `#rrggbb` -> `rgba(r,g,b,a)`. */
export function alpha(hex: string, a: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${a})`;
}

export interface ChartHolder {
  el: HTMLElement;
  chart: Chart;
}

/** A figure with a caption and a chart; `register` receives the clean-up (chart.destroy). */
export function chart<T extends ChartType>(
  caption: string,
  config: ChartConfiguration<T>,
  register: (cleanup: () => void) => void,
  testId?: string,
): ChartHolder {
  const canvas = h('canvas', { role: 'img', 'aria-label': caption });
  const el = h(
    'figure',
    { class: 'chart', ...(testId ? { 'data-testid': testId } : {}) },
    h('figcaption', null, caption),
    h('div', { class: 'chart-box' }, canvas),
  );
  const c = new Chart(canvas, config as ChartConfiguration);
  register(() => c.destroy());
  return { el, chart: c };
}
