// @ts-check
/** The plays-per-second chart: one bar a second, the newest on the right. */

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

/** @param {HTMLCanvasElement} canvas @param {number[]} counts oldest first */
export function drawRate(canvas, counts) {
  const context = canvas.getContext('2d');
  if (!context) return;
  const { width, height, bar, text } = measure(canvas);
  const ratio = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(width * ratio)) canvas.width = Math.round(width * ratio);
  if (canvas.height !== Math.round(height * ratio)) canvas.height = Math.round(height * ratio);
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);

  const peak = Math.max(1, ...counts);
  const labelWidth = 28;
  const barWidth = (width - labelWidth) / counts.length;
  context.fillStyle = bar;
  counts.forEach((count, i) => {
    const barHeight = (count / peak) * (height - 14);
    context.fillRect(labelWidth + i * barWidth + 1, height - barHeight, Math.max(1, barWidth - 2), barHeight);
  });
  context.fillStyle = text;
  context.font = '11px system-ui, sans-serif';
  context.textBaseline = 'top';
  context.fillText(String(peak), 2, 0);
  context.textBaseline = 'bottom';
  context.fillText('0', 2, height);
  // Read by people (and the test): the total shown, without decoding pixels.
  canvas.dataset.plays = String(counts.reduce((a, b) => a + b, 0));
  canvas.setAttribute('aria-label', `plays per second over the last ${counts.length} s: now ${counts.at(-1)}, peak ${peak}`);
}
