// The recall plot of bench/detection: one panel per transformation family (crop, scale, JPEG
// quality, brightness), recall on the y axis, one line per (mode, bank) and, dashed, the share of
// probes PDQ itself keeps within the radius: the ceiling every exact-radius mode sits under. Plain
// SVG (no chart library: four panels of polylines), rendered to PNG by sharp for viewers that
// cannot show SVG.

export interface RecallSeries {
  readonly label: string;
  /** Recall per transformation name (0..1); missing names are gaps. */
  readonly recall: Readonly<Record<string, number>>;
}

export interface Family {
  readonly title: string;
  /** Transformation names in axis order, with the tick label to print. */
  readonly points: ReadonlyArray<{ readonly name: string; readonly tick: string }>;
}

const PANEL_W = 300;
const PANEL_H = 220;
const MARGIN = { left: 48, right: 28, top: 34, bottom: 40 };
const LEGEND_H = 22;
// Colour-blind-safe palette (Okabe–Ito), cycled.
const COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#D55E00', '#56B4E9', '#000000', '#F0E442'];

const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function recallChart(
  families: readonly Family[],
  series: readonly RecallSeries[],
  pdqCeiling: Readonly<Record<string, number>>,
  title: string,
  subtitle: string,
): string {
  const columns = 2;
  const rows = Math.ceil(families.length / columns);
  const legendRows = Math.ceil((series.length + 1) / 3);
  const width = columns * PANEL_W;
  const height = 44 + rows * PANEL_H + legendRows * LEGEND_H + 10;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="18" text-anchor="middle" font-size="13">${escapeXml(title)}</text>`,
    `<text x="${width / 2}" y="34" text-anchor="middle" fill="#555">${escapeXml(subtitle)}</text>`,
  ];
  families.forEach((family, f) => {
    const x0 = (f % columns) * PANEL_W + MARGIN.left;
    const y0 = 44 + Math.floor(f / columns) * PANEL_H + MARGIN.top;
    const w = PANEL_W - MARGIN.left - MARGIN.right;
    const h = PANEL_H - MARGIN.top - MARGIN.bottom;
    const xAt = (i: number) =>
      x0 + (family.points.length === 1 ? w / 2 : (i * w) / (family.points.length - 1));
    const yAt = (recall: number) => y0 + h - recall * h;
    out.push(
      `<text x="${x0 + w / 2}" y="${y0 - 14}" text-anchor="middle" font-size="12">${escapeXml(family.title)}</text>`,
    );
    for (const tick of [0, 0.25, 0.5, 0.75, 1]) {
      out.push(
        `<line x1="${x0}" x2="${x0 + w}" y1="${yAt(tick)}" y2="${yAt(tick)}" stroke="#ddd"/>`,
        `<text x="${x0 - 6}" y="${yAt(tick) + 4}" text-anchor="end">${Math.round(tick * 100)}%</text>`,
      );
    }
    family.points.forEach((point, i) => {
      out.push(`<text x="${xAt(i)}" y="${y0 + h + 16}" text-anchor="middle">${escapeXml(point.tick)}</text>`);
    });
    const line = (
      values: Readonly<Record<string, number>>,
      colour: string,
      dashed: boolean,
      offset: number,
    ) => {
      const coords = family.points
        .map((point, i) => {
          const value = values[point.name];
          // A small vertical offset per series keeps identical lines (exact modes agree) visible.
          return value === undefined ? undefined : `${xAt(i).toFixed(1)},${(yAt(value) - offset).toFixed(1)}`;
        })
        .filter((c): c is string => c !== undefined);
      if (coords.length === 0) return;
      out.push(
        `<polyline points="${coords.join(' ')}" fill="none" stroke="${colour}" stroke-width="${dashed ? 2.5 : 1.8}"${dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      );
      for (const c of coords) {
        const [cx, cy] = c.split(',');
        out.push(`<circle cx="${cx}" cy="${cy}" r="2.5" fill="${colour}"/>`);
      }
    };
    line(pdqCeiling, '#888', true, 0);
    series.forEach((s, i) => {
      line(s.recall, COLOURS[i % COLOURS.length] as string, false, (i % 4) * 1.2);
    });
  });
  const legendTop = 44 + rows * PANEL_H + 4;
  const entries = [{ label: 'PDQ within radius 31 (ceiling)', colour: '#888', dashed: true }].concat(
    series.map((s, i) => ({ label: s.label, colour: COLOURS[i % COLOURS.length] as string, dashed: false })),
  );
  entries.forEach((entry, i) => {
    const x = 16 + (i % 3) * (width / 3);
    const y = legendTop + Math.floor(i / 3) * LEGEND_H + 10;
    out.push(
      `<line x1="${x}" x2="${x + 24}" y1="${y}" y2="${y}" stroke="${entry.colour}" stroke-width="2.5"${entry.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      `<text x="${x + 30}" y="${y + 4}">${escapeXml(entry.label)}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n');
}
