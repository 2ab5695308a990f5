// Draws the price distribution per category (one chart per currency) from the page's JSON
// data block, with Chart.js served from this origin (the page's CSP allows nothing else).
/* global Chart */
(function () {
  const block = document.getElementById('chart-data');
  const host = document.getElementById('charts');
  if (!block || !host || typeof Chart === 'undefined') return;
  const charts = JSON.parse(block.textContent || '[]');
  for (const chart of charts) {
    const figure = document.createElement('figure');
    const caption = document.createElement('figcaption');
    caption.textContent = 'Products per price range (' + chart.currency + '), by category';
    const canvas = document.createElement('canvas');
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', caption.textContent);
    figure.append(canvas, caption);
    host.append(figure);
    new Chart(canvas, {
      type: 'bar',
      data: { labels: chart.labels, datasets: chart.datasets },
      options: {
        animation: false,
        responsive: true,
        scales: {
          x: { stacked: true, title: { display: true, text: 'price (' + chart.currency + ')' } },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: 'products' } },
        },
        plugins: { legend: { position: 'bottom' } },
      },
    });
  }
  document.body.setAttribute('data-charts-drawn', String(charts.length));
})();
