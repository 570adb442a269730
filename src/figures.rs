//! PNG figures for the reports, drawn with plotters and an embedded DejaVu font (no system fonts).
//!
//! Every figure has a title and labelled axes with units (the graph drawing, which has no axes,
//! carries a legend of its endpoint marks instead). Non-finite values are left out of a figure,
//! never drawn as zeros; an input whose lengths disagree is an error.

use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::{ReportError, Result};

const FAMILY: &str = "sans-serif";
const COLORS: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

/// The colour used for the `i`-th series of every figure.
pub fn series_color(i: usize) -> RGBColor {
    COLORS[i % COLORS.len()]
}

fn ensure_font() {
    static FONT: Once = Once::new();
    FONT.call_once(|| {
        // Registration only fails for an unreadable font file; the embedded one is valid.
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, dejavu::sans::regular());
        let _ = plotters::style::register_font(FAMILY, FontStyle::Bold, dejavu::sans::bold());
    });
}

fn fig_err<E: std::fmt::Debug>(path: &Path) -> impl Fn(E) -> ReportError + '_ {
    move |e| ReportError::Figure {
        path: path.display().to_string(),
        message: format!("{e:?}"),
    }
}

fn input_err(what: &str, message: impl Into<String>) -> ReportError {
    ReportError::Input {
        what: what.to_string(),
        message: message.into(),
    }
}

fn prepare(path: &Path) -> Result<()> {
    ensure_font();
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| ReportError::Io {
            path: dir.display().to_string(),
            source,
        })?;
    }
    Ok(())
}

/// Returns whether `path` holds a PNG image (signature and a non-empty IHDR chunk).
pub fn is_png(path: &Path) -> Result<bool> {
    let bytes = std::fs::read(path).map_err(|source| ReportError::Io {
        path: path.display().to_string(),
        source,
    })?;
    const SIG: [u8; 8] = [137, 80, 78, 71, 13, 10, 26, 10];
    if bytes.len() < 33 || bytes[..8] != SIG || &bytes[12..16] != b"IHDR" {
        return Ok(false);
    }
    let w = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
    let h = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
    Ok(w > 0 && h > 0)
}

/// Range of the finite values, padded by 5% (or by 1 when all values are equal).
fn padded_range(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return None;
    }
    let pad = if hi > lo { 0.05 * (hi - lo) } else { 1.0 };
    Some((lo - pad, hi + pad))
}

/// A named series of values.
#[derive(Debug, Clone)]
pub struct Series<'a> {
    /// Legend label.
    pub name: &'a str,
    /// The values.
    pub values: &'a [f64],
}

/// What [`scatter`] draws.
#[derive(Debug, Clone)]
pub struct ScatterSpec<'a> {
    /// Figure title.
    pub title: &'a str,
    /// X-axis label, with units.
    pub x_label: &'a str,
    /// Y-axis label, with units.
    pub y_label: &'a str,
    /// X values.
    pub x: &'a [f64],
    /// Y values (same length as `x`).
    pub y: &'a [f64],
    /// Draw the line y = x.
    pub diagonal: bool,
    /// A text line drawn in the upper left corner (e.g. metrics).
    pub note: Option<&'a str>,
}

/// Scatter plot of `y` against `x`, optionally with the 1:1 line.
pub fn scatter(path: &Path, spec: &ScatterSpec<'_>) -> Result<()> {
    if spec.x.len() != spec.y.len() {
        return Err(input_err(
            "scatter",
            format!("x has {} values, y has {}", spec.x.len(), spec.y.len()),
        ));
    }
    let pts: Vec<(f64, f64)> = spec
        .x
        .iter()
        .zip(spec.y)
        .map(|(&a, &b)| (a, b))
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .collect();
    let (mut x0, mut x1) = padded_range(pts.iter().map(|p| p.0)).unwrap_or((0.0, 1.0));
    let (mut y0, mut y1) = padded_range(pts.iter().map(|p| p.1)).unwrap_or((0.0, 1.0));
    if spec.diagonal {
        let lo = x0.min(y0);
        let hi = x1.max(y1);
        (x0, x1, y0, y1) = (lo, hi, lo, hi);
    }
    prepare(path)?;
    let err = fig_err(path);
    let root = BitMapBackend::new(path, (800, 720)).into_drawing_area();
    root.fill(&WHITE).map_err(&err)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(spec.title, (FAMILY, 26))
        .margin(15)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(&err)?;
    chart
        .configure_mesh()
        .x_desc(spec.x_label)
        .y_desc(spec.y_label)
        .label_style((FAMILY, 16))
        .axis_desc_style((FAMILY, 18))
        .draw()
        .map_err(&err)?;
    let alpha = if pts.len() > 2000 { 0.25 } else { 0.6 };
    chart
        .draw_series(
            pts.iter()
                .map(|&p| Circle::new(p, 2, series_color(0).mix(alpha).filled())),
        )
        .map_err(&err)?;
    if spec.diagonal {
        chart
            .draw_series(LineSeries::new([(x0, x0), (x1, x1)], BLACK.stroke_width(2)))
            .map_err(&err)?;
    }
    if let Some(note) = spec.note {
        root.draw(&Text::new(note.to_string(), (110, 60), (FAMILY, 18)))
            .map_err(&err)?;
    }
    root.present().map_err(&err)?;
    Ok(())
}

/// One panel of a signed stacked bar chart: one bar per category, one stacked segment per series.
#[derive(Debug, Clone)]
pub struct BarPanel<'a> {
    /// Panel title (e.g. a galaxy class).
    pub title: &'a str,
    /// Category labels along the x axis (e.g. the decomposition cases).
    pub categories: &'a [String],
    /// Stacked series; each has one value per category.
    pub series: &'a [Series<'a>],
}

/// The four information atoms as bar series (redundancy, unique X1, unique X2, synergy), from
/// their values per category in that order.
pub fn atom_series(values: &[Vec<f64>; 4]) -> Vec<Series<'_>> {
    ["redundancy", "unique X1", "unique X2", "synergy"]
        .into_iter()
        .zip(values)
        .map(|(name, values)| Series { name, values })
        .collect()
}

/// What [`signed_stacked_bars`] draws.
#[derive(Debug, Clone)]
pub struct BarSpec<'a> {
    /// Figure title.
    pub title: &'a str,
    /// X-axis label.
    pub x_label: &'a str,
    /// Y-axis label, with units.
    pub y_label: &'a str,
    /// Panels, drawn side by side with a common y range.
    pub panels: &'a [BarPanel<'a>],
}

/// Stacked bars with positive parts stacked above zero and negative parts below, one panel per
/// group (the per-class decomposition bars).
pub fn signed_stacked_bars(path: &Path, spec: &BarSpec<'_>) -> Result<()> {
    if spec.panels.is_empty() {
        return Err(input_err("stacked bars", "no panels"));
    }
    let mut lo = 0.0f64;
    let mut hi = 0.0f64;
    for p in spec.panels {
        for s in p.series {
            if s.values.len() != p.categories.len() {
                return Err(input_err(
                    "stacked bars",
                    format!(
                        "series {} of panel {} has {} values for {} categories",
                        s.name,
                        p.title,
                        s.values.len(),
                        p.categories.len()
                    ),
                ));
            }
        }
        for c in 0..p.categories.len() {
            let pos: f64 = p
                .series
                .iter()
                .map(|s| s.values[c])
                .filter(|v| *v > 0.0)
                .sum();
            let neg: f64 = p
                .series
                .iter()
                .map(|s| s.values[c])
                .filter(|v| *v < 0.0)
                .sum();
            hi = hi.max(pos);
            lo = lo.min(neg);
        }
    }
    let pad = 0.08 * (hi - lo).max(1e-3);
    let (lo, hi) = (lo - pad, hi + pad);
    prepare(path)?;
    let err = fig_err(path);
    let width = 120 + 380 * spec.panels.len() as u32;
    let root = BitMapBackend::new(path, (width, 620)).into_drawing_area();
    root.fill(&WHITE).map_err(&err)?;
    let root = root.titled(spec.title, (FAMILY, 26)).map_err(&err)?;
    let (main, legend) = root.split_vertically(540);
    let areas = main.split_evenly((1, spec.panels.len()));
    for (k, (panel, area)) in spec.panels.iter().zip(areas.iter()).enumerate() {
        let n = panel.categories.len().max(1);
        let cats = panel.categories.to_vec();
        let mut chart = ChartBuilder::on(area)
            .caption(panel.title, (FAMILY, 20))
            .margin(10)
            .x_label_area_size(55)
            .y_label_area_size(if k == 0 { 70 } else { 40 })
            .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), lo..hi)
            .map_err(&err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(n)
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < cats.len() {
                    cats[i as usize].clone()
                } else {
                    String::new()
                }
            })
            .x_desc(spec.x_label)
            .y_desc(if k == 0 { spec.y_label } else { "" })
            .label_style((FAMILY, 14))
            .axis_desc_style((FAMILY, 16))
            .draw()
            .map_err(&err)?;
        for c in 0..panel.categories.len() {
            let (mut up, mut down) = (0.0, 0.0);
            for (si, s) in panel.series.iter().enumerate() {
                let v = s.values[c];
                if !v.is_finite() || v == 0.0 {
                    continue;
                }
                let (a, b) = if v > 0.0 {
                    up += v;
                    (up - v, up)
                } else {
                    down += v;
                    (down - v, down)
                };
                let x = c as f64;
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(x - 0.35, a), (x + 0.35, b)],
                        series_color(si).filled(),
                    )))
                    .map_err(&err)?;
            }
        }
        chart
            .draw_series(LineSeries::new(
                [(-0.5, 0.0), (n as f64 - 0.5, 0.0)],
                BLACK.stroke_width(1),
            ))
            .map_err(&err)?;
    }
    draw_legend(&legend, spec.panels[0].series.iter().map(|s| s.name), path)?;
    root.present().map_err(&err)?;
    Ok(())
}

fn draw_legend<'a>(
    area: &DrawingArea<BitMapBackend<'_>, Shift>,
    names: impl Iterator<Item = &'a str>,
    path: &Path,
) -> Result<()> {
    let err = fig_err(path);
    let mut x = 40;
    for (i, name) in names.enumerate() {
        area.draw(&Rectangle::new(
            [(x, 20), (x + 18, 38)],
            series_color(i).filled(),
        ))
        .map_err(&err)?;
        area.draw(&Text::new(name.to_string(), (x + 24, 20), (FAMILY, 16)))
            .map_err(&err)?;
        x += 34 + 10 * name.chars().count() as i32;
    }
    Ok(())
}

/// What [`stack_plot`] draws.
#[derive(Debug, Clone)]
pub struct StackSpec<'a> {
    /// Figure title.
    pub title: &'a str,
    /// X-axis label, with units.
    pub x_label: &'a str,
    /// Y-axis label, with units.
    pub y_label: &'a str,
    /// Bin centres along x (increasing).
    pub x: &'a [f64],
    /// Series stacked at each x: positive values above zero, negative below.
    pub series: &'a [Series<'a>],
}

/// Stack plot: at each x, the positive parts of the series are stacked above zero and the
/// negative parts below, as filled bands (the study's stack plots of the information atoms).
pub fn stack_plot(path: &Path, spec: &StackSpec<'_>) -> Result<()> {
    let n = spec.x.len();
    if n < 2 {
        return Err(input_err(
            "stack plot",
            format!("needs at least 2 x values, got {n}"),
        ));
    }
    if spec.x.iter().any(|v| !v.is_finite()) || spec.x.windows(2).any(|w| w[1] <= w[0]) {
        return Err(input_err("stack plot", "x must be finite and increasing"));
    }
    for s in spec.series {
        if s.values.len() != n {
            return Err(input_err(
                "stack plot",
                format!(
                    "series {} has {} values for {n} x values",
                    s.name,
                    s.values.len()
                ),
            ));
        }
    }
    let clean = |v: f64| if v.is_finite() { v } else { 0.0 };
    let mut lo = 0.0f64;
    let mut hi = 0.0f64;
    for i in 0..n {
        let pos: f64 = spec
            .series
            .iter()
            .map(|s| clean(s.values[i]).max(0.0))
            .sum();
        let neg: f64 = spec
            .series
            .iter()
            .map(|s| clean(s.values[i]).min(0.0))
            .sum();
        hi = hi.max(pos);
        lo = lo.min(neg);
    }
    let pad = 0.08 * (hi - lo).max(1e-3);
    prepare(path)?;
    let err = fig_err(path);
    let root = BitMapBackend::new(path, (900, 640)).into_drawing_area();
    root.fill(&WHITE).map_err(&err)?;
    let (main, legend) = root.split_vertically(580);
    let mut chart = ChartBuilder::on(&main)
        .caption(spec.title, (FAMILY, 24))
        .margin(15)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(spec.x[0]..spec.x[n - 1], (lo - pad)..(hi + pad))
        .map_err(&err)?;
    chart
        .configure_mesh()
        .x_desc(spec.x_label)
        .y_desc(spec.y_label)
        .label_style((FAMILY, 16))
        .axis_desc_style((FAMILY, 18))
        .draw()
        .map_err(&err)?;
    let mut up = vec![0.0; n];
    let mut down = vec![0.0; n];
    for (si, s) in spec.series.iter().enumerate() {
        for (sign_pos, acc) in [(true, &mut up), (false, &mut down)] {
            let part: Vec<f64> = s
                .values
                .iter()
                .map(|&v| {
                    let v = clean(v);
                    if sign_pos { v.max(0.0) } else { v.min(0.0) }
                })
                .collect();
            if part.iter().all(|v| *v == 0.0) {
                continue;
            }
            let mut poly: Vec<(f64, f64)> = Vec::with_capacity(2 * n);
            for i in 0..n {
                poly.push((spec.x[i], acc[i] + part[i]));
            }
            for i in (0..n).rev() {
                poly.push((spec.x[i], acc[i]));
            }
            chart
                .draw_series(std::iter::once(Polygon::new(
                    poly,
                    series_color(si).mix(0.85).filled(),
                )))
                .map_err(&err)?;
            for i in 0..n {
                acc[i] += part[i];
            }
        }
    }
    chart
        .draw_series(LineSeries::new(
            [(spec.x[0], 0.0), (spec.x[n - 1], 0.0)],
            BLACK.stroke_width(1),
        ))
        .map_err(&err)?;
    draw_legend(&legend, spec.series.iter().map(|s| s.name), path)?;
    root.present().map_err(&err)?;
    Ok(())
}

/// What [`histograms`] draws.
#[derive(Debug, Clone)]
pub struct HistSpec<'a> {
    /// Figure title.
    pub title: &'a str,
    /// X-axis label, with units.
    pub x_label: &'a str,
    /// Overlaid samples, each drawn as a normalised step histogram.
    pub series: &'a [Series<'a>],
    /// Number of bins over the common range.
    pub bins: usize,
}

/// Overlaid normalised histograms (probability density), e.g. local statistics against their
/// permutation null. Non-finite values are left out.
pub fn histograms(path: &Path, spec: &HistSpec<'_>) -> Result<()> {
    if spec.bins == 0 {
        return Err(input_err("histograms", "bins must be positive"));
    }
    let (lo, hi) = padded_range(spec.series.iter().flat_map(|s| s.values.iter().copied()))
        .ok_or_else(|| input_err("histograms", "no finite values"))?;
    let width = (hi - lo) / spec.bins as f64;
    let mut densities = Vec::with_capacity(spec.series.len());
    let mut ymax = 0.0f64;
    for s in spec.series {
        let mut counts = vec![0usize; spec.bins];
        let mut total = 0usize;
        for &v in s.values.iter().filter(|v| v.is_finite()) {
            let b = (((v - lo) / width) as usize).min(spec.bins - 1);
            counts[b] += 1;
            total += 1;
        }
        let d: Vec<f64> = counts
            .iter()
            .map(|&c| {
                if total > 0 {
                    c as f64 / (total as f64 * width)
                } else {
                    0.0
                }
            })
            .collect();
        ymax = ymax.max(d.iter().cloned().fold(0.0, f64::max));
        densities.push(d);
    }
    prepare(path)?;
    let err = fig_err(path);
    let root = BitMapBackend::new(path, (860, 620)).into_drawing_area();
    root.fill(&WHITE).map_err(&err)?;
    let (main, legend) = root.split_vertically(560);
    let mut chart = ChartBuilder::on(&main)
        .caption(spec.title, (FAMILY, 24))
        .margin(15)
        .x_label_area_size(50)
        .y_label_area_size(70)
        .build_cartesian_2d(lo..hi, 0.0..(ymax * 1.1).max(1e-9))
        .map_err(&err)?;
    chart
        .configure_mesh()
        .x_desc(spec.x_label)
        .y_desc("probability density [1 / x unit]")
        .label_style((FAMILY, 16))
        .axis_desc_style((FAMILY, 18))
        .draw()
        .map_err(&err)?;
    for (si, d) in densities.iter().enumerate() {
        let mut pts = Vec::with_capacity(2 * spec.bins + 2);
        pts.push((lo, 0.0));
        for (b, &v) in d.iter().enumerate() {
            let a = lo + b as f64 * width;
            pts.push((a, v));
            pts.push((a + width, v));
        }
        pts.push((hi, 0.0));
        chart
            .draw_series(LineSeries::new(pts, series_color(si).stroke_width(2)))
            .map_err(&err)?;
    }
    draw_legend(&legend, spec.series.iter().map(|s| s.name), path)?;
    root.present().map_err(&err)?;
    Ok(())
}

/// The mark at one end of a drawn edge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndMark {
    /// No mark (tail).
    Tail,
    /// An arrowhead.
    Arrow,
    /// A circle (undetermined mark in a PAG).
    Circle,
}

/// An edge of a drawn graph: node indices and the mark at each end.
#[derive(Debug, Clone, Copy)]
pub struct DrawnEdge {
    /// First node.
    pub a: usize,
    /// Second node.
    pub b: usize,
    /// Mark at `a`.
    pub mark_a: EndMark,
    /// Mark at `b`.
    pub mark_b: EndMark,
    /// Draw the edge highlighted (e.g. it disagrees with the truth).
    pub highlight: bool,
}

/// What [`graph`] draws.
#[derive(Debug, Clone)]
pub struct GraphSpec<'a> {
    /// Figure title.
    pub title: &'a str,
    /// Node labels, placed on a circle.
    pub nodes: &'a [String],
    /// Edges.
    pub edges: &'a [DrawnEdge],
    /// A legend line explaining the colours (e.g. "red: not in the truth DAG").
    pub legend: &'a str,
}

/// Draws a causal graph (DAG, CPDAG or PAG) with its endpoint marks, nodes on a circle.
pub fn graph(path: &Path, spec: &GraphSpec<'_>) -> Result<()> {
    let n = spec.nodes.len();
    if n == 0 {
        return Err(input_err("graph", "no nodes"));
    }
    if let Some(e) = spec
        .edges
        .iter()
        .find(|e| e.a >= n || e.b >= n || e.a == e.b)
    {
        return Err(input_err(
            "graph",
            format!("edge {}-{} is invalid for {n} nodes", e.a, e.b),
        ));
    }
    prepare(path)?;
    let err = fig_err(path);
    let (w, h) = (900i32, 900i32);
    let root = BitMapBackend::new(path, (w as u32, h as u32)).into_drawing_area();
    root.fill(&WHITE).map_err(&err)?;
    root.draw(&Text::new(spec.title.to_string(), (20, 15), (FAMILY, 26)))
        .map_err(&err)?;
    let legend = format!(
        "marks: arrowhead = >, circle = o, tail = none. {}",
        spec.legend
    );
    root.draw(&Text::new(legend, (20, h - 35), (FAMILY, 16)))
        .map_err(&err)?;
    let (cx, cy, r) = (w as f64 / 2.0, h as f64 / 2.0 + 5.0, 330.0);
    let pos: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            let t = -std::f64::consts::FRAC_PI_2 + 2.0 * std::f64::consts::PI * i as f64 / n as f64;
            (cx + r * t.cos(), cy + r * t.sin())
        })
        .collect();
    let node_r = 30.0;
    for e in spec.edges {
        let (pa, pb) = (pos[e.a], pos[e.b]);
        let (dx, dy) = (pb.0 - pa.0, pb.1 - pa.1);
        let len = (dx * dx + dy * dy).sqrt().max(1e-9);
        let (ux, uy) = (dx / len, dy / len);
        let sa = (pa.0 + ux * node_r, pa.1 + uy * node_r);
        let sb = (pb.0 - ux * node_r, pb.1 - uy * node_r);
        let color = if e.highlight {
            RGBColor(214, 39, 40)
        } else {
            BLACK
        };
        let px = |p: (f64, f64)| (p.0.round() as i32, p.1.round() as i32);
        root.draw(&PathElement::new(
            vec![px(sa), px(sb)],
            color.stroke_width(2),
        ))
        .map_err(&err)?;
        for (tip, mark, dir) in [(sb, e.mark_b, (ux, uy)), (sa, e.mark_a, (-ux, -uy))] {
            match mark {
                EndMark::Tail => {}
                EndMark::Arrow => {
                    let back = (tip.0 - dir.0 * 16.0, tip.1 - dir.1 * 16.0);
                    let (nx, ny) = (-dir.1 * 7.0, dir.0 * 7.0);
                    root.draw(&Polygon::new(
                        vec![
                            px(tip),
                            px((back.0 + nx, back.1 + ny)),
                            px((back.0 - nx, back.1 - ny)),
                        ],
                        color.filled(),
                    ))
                    .map_err(&err)?;
                }
                EndMark::Circle => {
                    let c = (tip.0 - dir.0 * 6.0, tip.1 - dir.1 * 6.0);
                    root.draw(&Circle::new(px(c), 6, color.stroke_width(2)))
                        .map_err(&err)?;
                }
            }
        }
    }
    for (i, name) in spec.nodes.iter().enumerate() {
        let p = (pos[i].0.round() as i32, pos[i].1.round() as i32);
        root.draw(&Circle::new(
            p,
            node_r as i32,
            RGBColor(220, 230, 245).filled(),
        ))
        .map_err(&err)?;
        root.draw(&Circle::new(p, node_r as i32, BLACK.stroke_width(1)))
            .map_err(&err)?;
        let style =
            TextStyle::from((FAMILY, 15).into_font()).pos(Pos::new(HPos::Center, VPos::Center));
        root.draw(&Text::new(name.clone(), p, style))
            .map_err(&err)?;
    }
    root.present().map_err(&err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn every_figure_kind_writes_a_png() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let x = [1.0, 2.0, 3.0, 4.0];
        let a = [0.1, 0.2, -0.1, 0.3];
        let b = [0.05, -0.2, 0.2, 0.1];
        let s = [
            Series {
                name: "redundancy",
                values: &a,
            },
            Series {
                name: "synergy",
                values: &b,
            },
        ];
        scatter(
            &d.join("s.png"),
            &ScatterSpec {
                title: "t",
                x_label: "x [dex]",
                y_label: "y [dex]",
                x: &x,
                y: &a,
                diagonal: true,
                note: Some("n = 4"),
            },
        )
        .unwrap();
        stack_plot(
            &d.join("st.png"),
            &StackSpec {
                title: "t",
                x_label: "log M* [dex]",
                y_label: "information [nats]",
                x: &x,
                series: &s,
            },
        )
        .unwrap();
        histograms(
            &d.join("h.png"),
            &HistSpec {
                title: "t",
                x_label: "local correlation",
                series: &s,
                bins: 5,
            },
        )
        .unwrap();
        let cats = names(&["c1", "c2", "c3", "c4"]);
        signed_stacked_bars(
            &d.join("b.png"),
            &BarSpec {
                title: "t",
                x_label: "case",
                y_label: "nats",
                panels: &[
                    BarPanel {
                        title: "SF",
                        categories: &cats,
                        series: &s,
                    },
                    BarPanel {
                        title: "passive",
                        categories: &cats,
                        series: &s,
                    },
                ],
            },
        )
        .unwrap();
        graph(
            &d.join("g.png"),
            &GraphSpec {
                title: "g",
                nodes: &names(&["z", "EBV", "logM"]),
                edges: &[
                    DrawnEdge {
                        a: 0,
                        b: 2,
                        mark_a: EndMark::Tail,
                        mark_b: EndMark::Arrow,
                        highlight: false,
                    },
                    DrawnEdge {
                        a: 1,
                        b: 2,
                        mark_a: EndMark::Circle,
                        mark_b: EndMark::Arrow,
                        highlight: true,
                    },
                ],
                legend: "red: extra edge",
            },
        )
        .unwrap();
        for f in ["s.png", "st.png", "h.png", "b.png", "g.png"] {
            assert!(is_png(&d.join(f)).unwrap(), "{f} is not a PNG");
        }
    }

    #[test]
    fn mismatched_inputs_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let e = scatter(
            &dir.path().join("x.png"),
            &ScatterSpec {
                title: "t",
                x_label: "x",
                y_label: "y",
                x: &[1.0, 2.0],
                y: &[1.0],
                diagonal: false,
                note: None,
            },
        );
        assert!(matches!(e, Err(ReportError::Input { .. })));
        let e = stack_plot(
            &dir.path().join("y.png"),
            &StackSpec {
                title: "t",
                x_label: "x",
                y_label: "y",
                x: &[2.0, 1.0],
                series: &[],
            },
        );
        assert!(matches!(e, Err(ReportError::Input { .. })));
        let e = graph(
            &dir.path().join("g.png"),
            &GraphSpec {
                title: "g",
                nodes: &names(&["a"]),
                edges: &[DrawnEdge {
                    a: 0,
                    b: 3,
                    mark_a: EndMark::Tail,
                    mark_b: EndMark::Arrow,
                    highlight: false,
                }],
                legend: "",
            },
        );
        assert!(matches!(e, Err(ReportError::Input { .. })));
    }

    #[test]
    fn is_png_rejects_other_files() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.png");
        std::fs::write(&p, b"not a png at all, just some text here....").unwrap();
        assert!(!is_png(&p).unwrap());
    }
}
