// The SVG chart of the report: one panel per chart (scenarios 1 and 2),
// horizontal bars of the median with a min–max whisker. Plain SVG text, no
// library, readable on GitHub's light and dark backgrounds.

const WIDTH = 900;
const LABEL_WIDTH = 390;
const BAR_AREA = 400;
const ROW = 22;
const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#b07aa1'];

/** @param {string} text */
function escapeXml(text) {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] ?? c);
}

/**
 * @param {{ title: string, groups: { label: string, bars: import('./section.js').ChartBar[] }[] }[]} charts
 * @param {string} subtitle machine and date
 */
export function renderChart(charts, subtitle) {
  /** @type {string[]} */
  const parts = [];
  let y = 20;
  parts.push(`<text x="10" y="${y}" class="sub">${escapeXml(subtitle)}</text>`);
  y += 14;
  for (const chart of charts) {
    y += 24;
    parts.push(`<text x="10" y="${y}" class="title">${escapeXml(chart.title)}</text>`);
    y += 10;
    const top = Math.max(1, ...chart.groups.flatMap((g) => g.bars.map((b) => (Number.isFinite(b.max) ? b.max : 0))));
    const scale = BAR_AREA / top;
    const panelTop = y;
    for (const group of chart.groups) {
      if (group.label) {
        y += ROW;
        parts.push(`<text x="10" y="${y - 6}" class="group">${escapeXml(group.label)}</text>`);
      }
      group.bars.forEach((bar, i) => {
        y += ROW;
        const barY = y - ROW + 4;
        const width = Number.isFinite(bar.median) ? bar.median * scale : 0;
        const color = COLORS[i % COLORS.length];
        parts.push(`<text x="${LABEL_WIDTH - 8}" y="${y - 7}" class="label" text-anchor="end">${escapeXml(bar.label)}</text>`);
        parts.push(`<rect x="${LABEL_WIDTH}" y="${barY}" width="${width.toFixed(1)}" height="${ROW - 8}" fill="${color}"/>`);
        if (Number.isFinite(bar.min) && Number.isFinite(bar.max)) {
          const x1 = LABEL_WIDTH + bar.min * scale;
          const x2 = LABEL_WIDTH + bar.max * scale;
          const mid = barY + (ROW - 8) / 2;
          parts.push(`<path d="M${x1.toFixed(1)} ${mid}H${x2.toFixed(1)}M${x1.toFixed(1)} ${mid - 4}v8M${x2.toFixed(1)} ${mid - 4}v8" class="whisker"/>`);
        }
        const value = Number.isFinite(bar.median) ? Math.round(bar.median).toLocaleString('en-US') : 'n/a';
        parts.push(`<text x="${LABEL_WIDTH + Math.max(width, Number.isFinite(bar.max) ? bar.max * scale : 0) + 6}" y="${y - 7}" class="value">${value}</text>`);
      });
    }
    parts.push(`<path d="M${LABEL_WIDTH} ${panelTop}V${y + 2}" class="axis"/>`);
    y += 6;
  }
  const height = y + 14;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif">
<style>
  .title { font-size: 15px; font-weight: 600; fill: #222; }
  .sub { font-size: 11px; fill: #555; }
  .group { font-size: 13px; font-weight: 600; fill: #333; }
  .label, .value { font-size: 12px; fill: #333; }
  .whisker { stroke: #222; stroke-width: 1.2; fill: none; }
  .axis { stroke: #888; stroke-width: 1; }
</style>
<rect width="100%" height="100%" fill="#fff"/>
${parts.join('\n')}
</svg>
`;
}
