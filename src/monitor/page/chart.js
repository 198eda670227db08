// @ts-check
/** The plays-per-second chart: one bar a second, the newest on the right, over a time axis. */
import { formatClock } from './model.js';

/**
 * The canvas's size and colours, read once and then on resize only: reading layout on every
 * draw would force the browser to lay out the whole page (the feed included) there and then.
 * @type {WeakMap<HTMLCanvasElement, { width: number, height: number, bar: string, text: string }>}
 */
const measured = new WeakMap();

/** @param {HTMLCanvasElement} canvas */
function measure(canvas) {
  let size = measured.get(canvas);
  if (size) return size;
  const style = getComputedStyle(canvas);
  size = { width: canvas.clientWidth, height: canvas.clientHeight, bar: style.getPropertyValue('--bar').trim() || '#3b82f6', text: style.color };
  measured.set(canvas, size);
  new ResizeObserver(() => measured.delete(canvas)).observe(canvas);
  return size;
}

/** Height of the time axis under the bars. */
const AXIS = 14;
const LABEL_WIDTH = 28;

/**
 * @param {HTMLCanvasElement} canvas
 * @param {number[]} counts oldest first, one a second, the last ending at `endAt`
 * @param {number} endAt epoch ms (this page's clock) of the newest second's end
 */
export function drawRate(canvas, counts, endAt) {
  const context = canvas.getContext('2d');
  if (!context) return;
  const { width, height, bar, text } = measure(canvas);
  const ratio = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
  if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);

  const peak = Math.max(1, ...counts);
  const plotHeight = height - AXIS;
  const barWidth = (width - LABEL_WIDTH) / counts.length;
  context.fillStyle = bar;
  counts.forEach((count, i) => {
    const barHeight = (count / peak) * (plotHeight - 12);
    context.fillRect(LABEL_WIDTH + i * barWidth + 1, plotHeight - barHeight, Math.max(1, barWidth - 2), barHeight);
  });
  context.fillStyle = text;
  context.strokeStyle = text;
  context.font = '11px system-ui, sans-serif';
  context.textBaseline = 'top';
  context.fillText(String(peak), 2, 0);
  context.textBaseline = 'bottom';
  context.fillText('0', 2, plotHeight);
  // The time axis: the oldest second's start, the middle, and now, on this page's clock.
  context.globalAlpha = 0.4;
  context.beginPath();
  context.moveTo(LABEL_WIDTH, plotHeight + 0.5);
  context.lineTo(width, plotHeight + 0.5);
  context.stroke();
  context.globalAlpha = 1;
  const ticks = [0, 0.5, 1].map((at) => ({ at, ms: endAt - (1 - at) * counts.length * 1000 }));
  context.textBaseline = 'bottom';
  for (const { at, ms } of ticks) {
    const label = formatClock(ms);
    const x = LABEL_WIDTH + at * (width - LABEL_WIDTH);
    context.textAlign = at === 0 ? 'left' : at === 1 ? 'right' : 'center';
    context.fillText(label, x, height);
  }
  context.textAlign = 'left';
  // Read by people (and the test): the total shown and the axis, without decoding pixels.
  canvas.dataset.plays = String(counts.reduce((a, b) => a + b, 0));
  canvas.dataset.axis = ticks.map(({ ms }) => formatClock(ms)).join(' ');
  canvas.setAttribute('aria-label', `plays per second from ${formatClock(ticks[0].ms)} to ${formatClock(endAt)}: now ${counts.at(-1)}, peak ${peak}`);
}
