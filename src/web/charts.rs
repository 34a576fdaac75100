//! SVG charts, drawn by pure functions: the same figures give the same bytes. Every chart has
//! a `<title>` and a `<desc>` (its text alternative) and is styled by CSS classes.

use std::fmt::Write;

use chrono::NaiveDate;

/// Escapes text for SVG and HTML.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const W: f64 = 720.0;
const H: f64 = 280.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 36.0;

/// A line of a chart: its name (for the legend), CSS class and points.
pub struct Series {
    /// Legend text.
    pub name: String,
    /// CSS class (`progress`, `completed`).
    pub class: &'static str,
    /// Points, in date order.
    pub points: Vec<(NaiveDate, f64)>,
}

/// The x and y scales of a chart.
struct Scale {
    x0: NaiveDate,
    days: f64,
    y_max: f64,
}

impl Scale {
    fn x(&self, d: NaiveDate) -> f64 {
        let t = (d - self.x0).num_days() as f64 / self.days.max(1.0);
        LEFT + t.clamp(0.0, 1.0) * (W - LEFT - RIGHT)
    }
    fn y(&self, v: f64) -> f64 {
        let t = if self.y_max > 0.0 {
            v / self.y_max
        } else {
            0.0
        };
        H - BOTTOM - t.clamp(0.0, 1.0) * (H - TOP - BOTTOM)
    }
}

fn open(out: &mut String, id: &str, title: &str, desc: &str) {
    let _ = write!(
        out,
        r#"<svg class="chart" id="{id}" viewBox="0 0 {W} {H}" role="img" aria-labelledby="{id}-t {id}-d" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(title),
        esc(desc)
    );
}

fn axes(out: &mut String, s: &Scale, x1: NaiveDate, y_ticks: &[(f64, String)]) {
    let _ = write!(
        out,
        r#"<line class="axis" x1="{LEFT}" y1="{b}" x2="{r}" y2="{b}"/><line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{b}"/>"#,
        b = H - BOTTOM,
        r = W - RIGHT
    );
    for (v, label) in y_ticks {
        let y = s.y(*v);
        let _ = write!(
            out,
            r#"<line class="grid" x1="{LEFT}" y1="{y:.1}" x2="{r}" y2="{y:.1}"/><text class="tick" x="{tx}" y="{ty:.1}" text-anchor="end">{}</text>"#,
            esc(label),
            r = W - RIGHT,
            tx = LEFT - 6.0,
            ty = y + 4.0
        );
    }
    // Month ticks along x.
    let mut d = NaiveDate::from_ymd_opt(
        chrono::Datelike::year(&s.x0),
        chrono::Datelike::month(&s.x0),
        1,
    )
    .unwrap_or(s.x0);
    let months = ((x1 - s.x0).num_days() / 30).max(1);
    let every = (months / 8 + 1) as u32;
    let mut i = 0u32;
    while d <= x1 {
        if d >= s.x0 && i.is_multiple_of(every) {
            let x = s.x(d);
            let _ = write!(
                out,
                r#"<text class="tick" x="{x:.1}" y="{y}" text-anchor="middle">{}</text>"#,
                d.format("%b %Y"),
                y = H - BOTTOM + 18.0
            );
        }
        i += 1;
        d = d
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(NaiveDate::MAX);
    }
}

fn vertical(out: &mut String, s: &Scale, d: NaiveDate, class: &str, label: &str) {
    let x = s.x(d);
    // Near the right edge the label goes to the left of the line.
    let (tx, anchor) = if x > W - RIGHT - 60.0 {
        (x - 4.0, "end")
    } else {
        (x + 4.0, "start")
    };
    let _ = write!(
        out,
        r#"<line class="{class}" x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{b}"/><text class="mark" x="{tx:.1}" y="{ty}" text-anchor="{anchor}">{}</text>"#,
        esc(label),
        b = H - BOTTOM,
        ty = TOP + 12.0
    );
}

fn polyline(s: &Scale, points: &[(NaiveDate, f64)]) -> String {
    let mut p = String::new();
    for (d, v) in points {
        let _ = write!(p, "{:.1},{:.1} ", s.x(*d), s.y(*v));
    }
    p.trim_end().to_string()
}

/// Progress toward the target over time: one line per series, the target as a dashed
/// line, the deadline as a vertical mark.
pub fn progress(
    id: &str,
    title: &str,
    series: &[Series],
    target: Option<(f64, String)>,
    deadline: Option<NaiveDate>,
    y_max: f64,
) -> String {
    let dates = series.iter().flat_map(|s| s.points.iter().map(|p| p.0));
    let (Some(x0), Some(mut x1)) = (dates.clone().min(), dates.max()) else {
        return String::new();
    };
    if let Some(d) = deadline {
        x1 = x1.max(d);
    }
    let y_max = series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .chain(target.iter().map(|t| t.0))
        .fold(y_max, f64::max);
    let scale = Scale {
        x0,
        days: (x1 - x0).num_days() as f64,
        y_max,
    };
    let mut desc = String::new();
    for s in series {
        if let (Some(first), Some(last)) = (s.points.first(), s.points.last()) {
            let _ = write!(
                desc,
                "{}: {} on {}, {} on {}. ",
                s.name, first.1, first.0, last.1, last.0
            );
        }
    }
    if let Some((v, label)) = &target {
        let _ = write!(desc, "Target: {label} ({v}). ");
    }
    if let Some(d) = deadline {
        let _ = write!(desc, "Deadline: {d}.");
    }
    let mut out = String::new();
    open(&mut out, id, title, desc.trim_end());
    let ticks: Vec<(f64, String)> = (0..=4)
        .map(|i| {
            let v = y_max * f64::from(i) / 4.0;
            (v, format!("{v:.0}"))
        })
        .collect();
    axes(&mut out, &scale, x1, &ticks);
    if let Some((v, label)) = &target {
        let y = scale.y(*v);
        let _ = write!(
            out,
            r#"<line class="target" x1="{LEFT}" y1="{y:.1}" x2="{r}" y2="{y:.1}"/><text class="mark" x="{tx}" y="{ty:.1}">{}</text>"#,
            esc(label),
            r = W - RIGHT,
            tx = LEFT + 4.0,
            ty = y - 4.0
        );
    }
    if let Some(d) = deadline {
        vertical(&mut out, &scale, d, "deadline", "deadline");
    }
    for s in series {
        let _ = write!(
            out,
            r#"<polyline class="line {}" points="{}"><title>{}</title></polyline>"#,
            s.class,
            polyline(&scale, &s.points),
            esc(&s.name)
        );
    }
    legend(&mut out, series.iter().map(|s| (s.class, s.name.as_str())));
    out.push_str("</svg>");
    out
}

fn legend<'a>(out: &mut String, items: impl Iterator<Item = (&'a str, &'a str)>) {
    let mut x = LEFT + 8.0;
    for (class, name) in items {
        let _ = write!(
            out,
            r#"<rect class="key {class}" x="{x:.1}" y="{y}" width="12" height="4"/><text class="legend" x="{tx:.1}" y="{ty}">{}</text>"#,
            esc(name),
            y = TOP + 22.0,
            tx = x + 16.0,
            ty = TOP + 27.0
        );
        x += 24.0 + 7.0 * name.chars().count() as f64;
    }
}

/// One day of a fan chart: the outcome's percentiles (shares, 0 to 1).
pub struct FanPoint {
    /// The day.
    pub date: NaiveDate,
    /// P10, P25, P50, P75, P90, P95.
    pub p: [f64; 6],
}

/// The bands of a simulation report's JSON (`bands`: date and P10 … P95) as fan points.
pub fn fan_points(bands: &serde_json::Value) -> Vec<FanPoint> {
    let share = |b: &serde_json::Value, k: &str| b[k].as_f64().unwrap_or(0.0);
    bands
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|b| {
            Some(FanPoint {
                date: b["date"].as_str()?.parse().ok()?,
                p: ["p10", "p25", "p50", "p75", "p90", "p95"].map(|k| share(b, k)),
            })
        })
        .collect()
}

/// A report's target in words (`circulation at level 3 or above for 750 ‰ of the audience
/// by …`) as a share: the number before `‰` (or `%`); 0 if there is none.
pub fn target_share(words: &str) -> f64 {
    for (mark, scale) in [('‰', 1000.0), ('%', 100.0)] {
        if let Some(i) = words.find(mark) {
            let before = words[..i].trim_end();
            let digits: String = before
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_digit() || *c == '.')
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            if let Ok(n) = digits.parse::<f64>() {
                return n / scale;
            }
        }
    }
    0.0
}

/// The outcome over time as a fan chart: P10–P95, P25–P75 bands and the median line, the
/// target as a dashed line and the deadline marked.
pub fn fan(id: &str, title: &str, points: &[FanPoint], target: f64, deadline: NaiveDate) -> String {
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return String::new();
    };
    let x1 = last.date.max(deadline);
    let scale = Scale {
        x0: first.date,
        days: (x1 - first.date).num_days() as f64,
        y_max: 1.0,
    };
    let at_deadline = points
        .iter()
        .rev()
        .find(|p| p.date <= deadline)
        .unwrap_or(first);
    let desc = format!(
        "Share of the audience proficient, {} to {}. At the deadline {}: P10 {:.0} %, median {:.0} %, P95 {:.0} %. Target {:.0} %.",
        first.date,
        last.date,
        deadline,
        at_deadline.p[0] * 100.0,
        at_deadline.p[2] * 100.0,
        at_deadline.p[5] * 100.0,
        target * 100.0
    );
    let mut out = String::new();
    open(&mut out, id, title, &desc);
    let ticks: Vec<(f64, String)> = (0..=4)
        .map(|i| (f64::from(i) / 4.0, format!("{} %", i * 25)))
        .collect();
    axes(&mut out, &scale, x1, &ticks);
    let band = |lo: usize, hi: usize| {
        let mut p = String::new();
        for q in points {
            let _ = write!(p, "{:.1},{:.1} ", scale.x(q.date), scale.y(q.p[hi]));
        }
        for q in points.iter().rev() {
            let _ = write!(p, "{:.1},{:.1} ", scale.x(q.date), scale.y(q.p[lo]));
        }
        p.trim_end().to_string()
    };
    let _ = write!(
        out,
        r#"<polygon class="band outer" points="{}"><title>P10 to P95</title></polygon><polygon class="band inner" points="{}"><title>P25 to P75</title></polygon>"#,
        band(0, 5),
        band(1, 3)
    );
    let median: Vec<(NaiveDate, f64)> = points.iter().map(|q| (q.date, q.p[2])).collect();
    let _ = write!(
        out,
        r#"<polyline class="line median" points="{}"><title>median</title></polyline>"#,
        polyline(&scale, &median)
    );
    let y = scale.y(target);
    let _ = write!(
        out,
        r#"<line class="target" x1="{LEFT}" y1="{y:.1}" x2="{r}" y2="{y:.1}"/><text class="mark" x="{tx}" y="{ty:.1}">target {t:.0} %</text>"#,
        r = W - RIGHT,
        tx = LEFT + 4.0,
        ty = y - 4.0,
        t = target * 100.0
    );
    vertical(&mut out, &scale, deadline, "deadline", "deadline");
    legend(
        &mut out,
        [
            ("outer", "P10–P95"),
            ("inner", "P25–P75"),
            ("median", "median"),
        ]
        .into_iter(),
    );
    out.push_str("</svg>");
    out
}

/// A row of the heat map: the person's name, a link, and one cell per column (the level
/// estimated now and as assessed, `None` when not held).
pub struct HeatRow {
    /// Shown name.
    pub name: String,
    /// Where the name links.
    pub href: String,
    /// Per skill: (estimated level now, assessed level).
    pub cells: Vec<Option<(f64, u64)>>,
}

/// People × skills, each cell shaded by the level estimated now (0 to 4), with the level in
/// its title; the text alternative is the table beside it.
pub fn heat_map(id: &str, title: &str, skills: &[String], rows: &[HeatRow]) -> String {
    const CELL: f64 = 22.0;
    const NAME: f64 = 170.0;
    const HEAD: f64 = 120.0;
    let width = NAME + CELL * skills.len() as f64 + 8.0;
    let height = HEAD + CELL * rows.len() as f64 + 8.0;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="heat" id="{id}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-labelledby="{id}-t {id}-d" xmlns="http://www.w3.org/2000/svg"><title id="{id}-t">{}</title><desc id="{id}-d">{} people by {} skills; the table below gives every level.</desc>"#,
        esc(title),
        rows.len(),
        skills.len()
    );
    for (j, s) in skills.iter().enumerate() {
        let x = NAME + CELL * j as f64 + CELL / 2.0;
        let _ = write!(
            out,
            r#"<text class="col" transform="translate({x:.1},{y}) rotate(-55)">{}</text>"#,
            esc(s),
            y = HEAD - 6.0
        );
    }
    for (i, r) in rows.iter().enumerate() {
        let y = HEAD + CELL * i as f64;
        let _ = write!(
            out,
            r#"<a href="{}"><text class="row" x="{x}" y="{ty:.1}" text-anchor="end">{}</text></a>"#,
            esc(&r.href),
            esc(&r.name),
            x = NAME - 6.0,
            ty = y + 15.0
        );
        for (j, cell) in r.cells.iter().enumerate() {
            let x = NAME + CELL * j as f64;
            let skill = skills.get(j).map(String::as_str).unwrap_or("");
            match cell {
                Some((now, assessed)) => {
                    let level = (now.round() as i64).clamp(0, 4);
                    let _ = write!(
                        out,
                        r#"<rect class="cell l{level}" x="{x:.1}" y="{y:.1}" width="{w}" height="{w}" data-person="{}" data-skill="{}"><title>{}: {} level {assessed}, now about {now:.1}</title></rect>"#,
                        esc(&r.href),
                        esc(skill),
                        esc(&r.name),
                        esc(skill),
                        w = CELL - 2.0
                    );
                }
                None => {
                    let _ = write!(
                        out,
                        r#"<rect class="cell none" x="{x:.1}" y="{y:.1}" width="{w}" height="{w}"/>"#,
                        w = CELL - 2.0
                    );
                }
            }
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn text_is_escaped() {
        let s = Series {
            name: "<script>".into(),
            class: "progress",
            points: vec![(d("2026-01-01"), 0.0), (d("2026-02-01"), 3.0)],
        };
        let svg = progress("c", "a & b", &[s], None, None, 10.0);
        assert!(svg.contains("&lt;script&gt;") && !svg.contains("<script>"));
        assert!(svg.contains("a &amp; b"));
    }

    #[test]
    fn same_figures_same_bytes_and_points_inside_the_frame() {
        let pts: Vec<FanPoint> = (0..10)
            .map(|i| FanPoint {
                date: d("2026-01-01") + chrono::Days::new(7 * i),
                p: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6].map(|x| x * i as f64 / 10.0),
            })
            .collect();
        let a = fan("f", "t", &pts, 0.75, d("2026-02-15"));
        let b = fan("f", "t", &pts, 0.75, d("2026-02-15"));
        assert_eq!(a, b);
        assert!(a.contains("<polygon") && a.contains("deadline"));
        assert_eq!(fan("f", "t", &[], 0.75, d("2026-02-15")), "");
    }

    #[test]
    fn the_target_share_is_read_from_its_per_mille() {
        let words = "circulation at level 3 or above for 750 ‰ of the audience by 2026-11-30";
        assert_eq!(target_share(words), 0.75);
        assert_eq!(target_share("80 % of them"), 0.8);
        assert_eq!(target_share("no target"), 0.0);
    }
}
