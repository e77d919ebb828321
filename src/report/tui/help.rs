//! The help overlay (`?`): the keys and what the table's letters mean.

use super::rows::ROUTE_CHANGE_MARK;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use ratatui::Frame;

fn lines() -> Vec<Line<'static>> {
    [
        "q        quit (Ctrl-C: interrupt)".to_string(),
        "p        pause / resume probing".to_string(),
        "r        reset the statistics".to_string(),
        "d        display: table+map, table, map".to_string(),
        "? Esc    close this help".to_string(),
        String::new(),
        "Loss% R  rate-limited: the hop's own replies go".to_string(),
        "         missing, later hops lose less".to_string(),
        "Loss% F  forward loss: carries on to the end".to_string(),
        format!("Hop {ROUTE_CHANGE_MARK}    the hop's responder changed (footer:"),
        "         the latest change and its cycle)".to_string(),
        "Place    O override, F geofeed, H host name,".to_string(),
        "         G GeoIP city, C country point;".to_string(),
        "         ! implausible, ~ outlier, S satellite;".to_string(),
        "         then confidence: h high, m medium, l low".to_string(),
        "Jitter   mean |difference| of successive RTTs".to_string(),
    ]
    .into_iter()
    .map(Line::from)
    .collect()
}

/// Draw the overlay centred in `area` (as much of it as fits).
pub fn render(frame: &mut Frame<'_>, area: Rect) {
    let text = lines();
    let width = (text.iter().map(Line::width).max().unwrap_or(0) as u16 + 4).min(area.width);
    let height = (text.len() as u16 + 2).min(area.height);
    let popup = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    };
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(text)
            .wrap(Wrap { trim: false })
            .block(Block::default().borders(Borders::ALL).title(" help ")),
        popup,
    );
}
