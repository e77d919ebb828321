//! One frame of the live view: the header, the hop table and/or the map, the footer with the
//! keys and the latest route change, and the help overlay on top when asked for.

use super::rows::{self, Col, HopRow, SPACING};
use super::{help, map, DisplayMode, Header, UiState, View};
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use ratatui::Frame;
use std::time::Duration;

/// Below this width the map goes beside the table only if the table leaves it this much.
const BESIDE_MIN_MAP: u16 = 48;

/// Draw the whole view into the frame.
pub fn draw(frame: &mut Frame<'_>, view: &View, state: &UiState) {
    let area = frame.area();
    let change = last_change(view);
    let footer_height = 1 + u16::from(change.is_some());
    let [top, body, bottom] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(footer_height),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(header_line(&view.header, state)), top);
    let rows = rows::rows(&view.path, &view.stats);
    let end = view.stats.destination_ttl;
    match state.mode {
        DisplayMode::Table => table(frame, body, &rows),
        DisplayMode::Map => {
            if body.width >= 4 && body.height >= 3 {
                map::render(frame, body, &view.path, end);
            }
        }
        DisplayMode::Both => {
            let (t, m) = split(body, &rows);
            table(frame, t, &rows);
            if let Some(m) = m {
                map::render(frame, m, &view.path, end);
            }
        }
    }
    let mut footer = vec![keys_line(state)];
    if let Some(c) = change {
        footer.insert(0, Line::from(c));
    }
    frame.render_widget(Paragraph::new(footer), bottom);
    if state.help {
        help::render(frame, area);
    }
}

/// Where the table and the map go in "both" mode: the map beside the table when the table
/// leaves it room, else under it when the hops leave it room, else nowhere.
fn split(body: Rect, rows: &[HopRow]) -> (Rect, Option<Rect>) {
    let cols = rows::layout(rows, usize::from(body.width));
    let table_width: usize = cols.iter().map(|(_, w)| w + SPACING).sum();
    let table_width = u16::try_from(table_width).unwrap_or(u16::MAX);
    if body.width.saturating_sub(table_width) >= BESIDE_MIN_MAP && body.height >= map::MIN_HEIGHT {
        let [t, m] =
            Layout::horizontal([Constraint::Length(table_width), Constraint::Min(0)]).areas(body);
        return (t, Some(m));
    }
    let lines: usize = rows.iter().map(|r| r.lines.len()).sum();
    let table_height = u16::try_from(lines + 1).unwrap_or(u16::MAX);
    let left = body.height.saturating_sub(table_height);
    if left >= map::MIN_HEIGHT && body.width >= map::MIN_WIDTH {
        let [t, m] =
            Layout::vertical([Constraint::Length(table_height), Constraint::Min(0)]).areas(body);
        return (t, Some(m));
    }
    (body, None)
}

fn clock(d: Duration) -> String {
    let s = d.as_secs();
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

fn seconds(d: Duration) -> String {
    let s = format!("{:.2}", d.as_secs_f64());
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}s")
}

/// `PAUSED example.com (192.0.2.1) · cycle 12/100 · 00:00:12 · every 1s · icmp from 10.0.0.1`:
/// the state first and the figures that change early, so a narrow terminal cuts the least.
fn header_line(h: &Header, state: &UiState) -> Line<'static> {
    let bold = Style::default().add_modifier(Modifier::BOLD);
    let mut spans = Vec::new();
    if state.paused {
        spans.push(Span::styled(
            "PAUSED",
            Style::default()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
        ));
        spans.push(Span::raw(" "));
    }
    if state.finished {
        spans.push(Span::styled("DONE", bold.fg(Color::Green)));
        spans.push(Span::raw(" "));
    }
    let target = if h.target == h.address.to_string() {
        h.target.clone()
    } else {
        format!("{} ({})", h.target, h.address)
    };
    let total = h
        .cycles_total
        .map_or_else(|| "∞".to_string(), |t| t.to_string());
    let mut text = format!(
        "{target} · cycle {}/{total} · {} · every {} · {}",
        h.cycles_done,
        clock(h.elapsed),
        seconds(h.interval),
        h.protocol,
    );
    if let Some(source) = h.source {
        text.push_str(&format!(" from {source}"));
    }
    spans.push(Span::styled(text, bold));
    Line::from(spans)
}

fn keys_line(state: &UiState) -> Line<'static> {
    let pause = if state.paused { "resume" } else { "pause" };
    Line::from(Span::styled(
        format!(
            "q quit  p {pause}  r reset  d display ({})  ? help   Loss: R rate-limited  F forward",
            state.mode.name()
        ),
        Style::default().fg(Color::DarkGray),
    ))
}

/// The most recent route change of any hop: `↻ hop 4 changed at cycle 812: a → b`.
fn last_change(view: &View) -> Option<String> {
    let (hop, change, count) = view
        .stats
        .hops()
        .filter_map(|h| {
            h.route_changes
                .last()
                .map(|c| (h.ttl, c, h.route_change_count))
        })
        .max_by_key(|(_, c, _)| c.cycle)?;
    let more = if count > 1 {
        format!(" ({count} changes)")
    } else {
        String::new()
    };
    Some(format!(
        "{} hop {hop} changed at cycle {}: {} → {}{more}",
        rows::ROUTE_CHANGE_MARK,
        change.cycle,
        change.from,
        change.to
    ))
}

fn table(frame: &mut Frame<'_>, area: Rect, rows: &[HopRow]) {
    let cols = rows::layout(rows, usize::from(area.width));
    let cell = |text: String, col: Col, width: usize| {
        let text = rows::fit(&text, width);
        let line = if col.right() {
            Line::from(text).alignment(Alignment::Right)
        } else {
            Line::from(text)
        };
        Cell::from(line)
    };
    let header = Row::new(cols.iter().map(|&(c, w)| cell(c.title().to_string(), c, w)))
        .style(Style::default().add_modifier(Modifier::BOLD | Modifier::UNDERLINED));
    let body = rows.iter().map(|r| {
        let cells = cols.iter().map(|&(c, w)| {
            let lines: Vec<Line> = (0..r.lines.len())
                .map(|i| {
                    let text = rows::fit(&c.text(r, i), w);
                    if c.right() {
                        Line::from(text).alignment(Alignment::Right)
                    } else {
                        Line::from(text)
                    }
                })
                .collect();
            let mut cell = Cell::from(Text::from(lines));
            if c == Col::Loss && r.loss.ends_with(['R', 'F']) {
                cell = cell.style(Style::default().fg(Color::LightRed));
            }
            if c == Col::Hop && r.changed {
                cell = cell.style(Style::default().fg(Color::Yellow));
            }
            cell
        });
        Row::new(cells).height(u16::try_from(r.lines.len()).unwrap_or(u16::MAX))
    });
    let widths: Vec<Constraint> = cols
        .iter()
        .map(|&(_, w)| Constraint::Length(u16::try_from(w).unwrap_or(u16::MAX)))
        .collect();
    let table = Table::new(body, widths)
        .header(header)
        .column_spacing(u16::try_from(SPACING).unwrap_or(1));
    frame.render_widget(table, area);
}
