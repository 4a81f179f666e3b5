// Quality Gates insights: draws each chart from the table it stands beside (the table is the
// chart's text equivalent, so the page reads without this script). Loaded as a file: the pages'
// Content-Security-Policy allows no inline script.
(function () {
  'use strict';
  const HEIGHT = 240;
  const plots = [];

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  function columnLabels(table) {
    const labels = {};
    for (const th of table.tHead.rows[0].cells) labels[th.dataset.key] = th.textContent;
    return labels;
  }

  function seriesData(table, keys) {
    const rows = Array.from(table.tBodies[0].rows);
    const x = rows.map((row) => Date.parse(row.cells[0].textContent + 'T00:00:00Z') / 1000);
    const ys = keys.map((key) =>
      rows.map((row) => {
        const cell = row.querySelector('td[data-key="' + key + '"]');
        return cell && cell.dataset.value !== undefined ? Number(cell.dataset.value) : null;
      }),
    );
    return [x, ...ys];
  }

  function draw(el) {
    const table = document.getElementById('table-' + el.dataset.chart);
    if (!table || typeof uPlot === 'undefined') return;
    const keys = el.dataset.series.split(',');
    const labels = columnLabels(table);
    const fg = cssVar('--muted');
    const grid = cssVar('--grid');
    const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const opts = {
      width: Math.max(200, el.clientWidth),
      height: HEIGHT,
      scales: { x: { time: true } },
      legend: { live: false },
      series: [
        { label: 'Week' },
        ...keys.map((key, i) => ({
          label: labels[key] || key,
          stroke: cssVar('--series-' + ((i % 6) + 1)),
          width: 2,
          spanGaps: true,
          points: { size: 5 },
        })),
      ],
      axes: [axis, Object.assign({}, axis, { label: el.dataset.unit, size: 60 })],
    };
    el.replaceChildren();
    plots.push({ el, plot: new uPlot(opts, seriesData(table, keys), el) });
  }

  function drawAll() {
    while (plots.length) plots.pop().plot.destroy();
    document.querySelectorAll('[data-chart]').forEach(draw);
  }

  drawAll();
  if (typeof ResizeObserver !== 'undefined') {
    const observer = new ResizeObserver(() => {
      for (const { el, plot } of plots) plot.setSize({ width: Math.max(200, el.clientWidth), height: HEIGHT });
    });
    document.querySelectorAll('[data-chart]').forEach((el) => observer.observe(el));
  }
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', drawAll);
})();
