//! The terminal side of the live view: raw mode and the alternate screen, held by a guard that
//! restores them on every way out (return, error, panic), and the event loop.
//!
//! The loop waits on two things only — a new [`View`] from the engine and a terminal event
//! (key or resize) from crossterm's `EventStream`, whose reader thread blocks in `poll(2)` —
//! so between cycles the process sleeps in the kernel and an idle view costs no CPU.

use super::{draw, keys, UiCommand, UiState, View};
use crossterm::cursor::{Hide, Show};
use crossterm::event::{Event, EventStream};
use crossterm::execute;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
};
use futures_core::Stream;
use ratatui::backend::CrosstermBackend;
use ratatui::Terminal;
use std::io::{self, Stdout};
use std::panic::PanicHookInfo;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

/// Whether the screen is in the live view's state (raw, alternate screen): restoring is done
/// once, by whichever way out comes first.
static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Leave raw mode and the alternate screen and show the cursor, if not done already.
fn restore() {
    if ACTIVE.swap(false, Ordering::SeqCst) {
        let _ = execute!(io::stdout(), LeaveAlternateScreen, Show);
        let _ = disable_raw_mode();
    }
}

/// The shortest time between two redraws for new views.
const MIN_FRAME: Duration = Duration::from_millis(50);

type Hook = Arc<dyn Fn(&PanicHookInfo<'_>) + Sync + Send + 'static>;

/// Holds the terminal in the live view's state; dropping it (or a panic anywhere) restores it.
struct Screen {
    terminal: Terminal<CrosstermBackend<Stdout>>,
    previous_hook: Hook,
}

impl Screen {
    fn enter() -> io::Result<Screen> {
        let previous_hook: Hook = Arc::from(std::panic::take_hook());
        let chained = previous_hook.clone();
        std::panic::set_hook(Box::new(move |info| {
            // Restore first, so the panic message lands on the normal screen.
            restore();
            chained(info);
        }));
        let screen = Screen {
            // Created before raw mode, so a failure here leaves nothing to undo.
            terminal: Terminal::new(CrosstermBackend::new(io::stdout()))?,
            previous_hook,
        };
        ACTIVE.store(true, Ordering::SeqCst);
        enable_raw_mode()?;
        execute!(io::stdout(), EnterAlternateScreen, Hide)?;
        let mut screen = screen;
        screen.terminal.clear()?;
        Ok(screen)
    }
}

impl Drop for Screen {
    fn drop(&mut self) {
        restore();
        // The hook cannot be changed while panicking; then the chained one stays, harmlessly.
        if !std::thread::panicking() {
            let previous = self.previous_hook.clone();
            let _ = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| previous(info)));
        }
    }
}

/// The next terminal event, without a helper crate's `StreamExt`.
async fn next_event(events: &mut EventStream) -> Option<io::Result<Event>> {
    std::future::poll_fn(|cx| Pin::new(&mut *events).poll_next(cx)).await
}

/// Run the live view until `q` or Ctrl-C: redraw on every new view and on resize, pass the
/// person's commands to the engine. The screen is restored before the final `Quit` or
/// `Interrupt` is sent and before this returns, on errors too.
///
/// When the engine drops its sender (the last cycle is done) the last view stays up, marked
/// done, until `q`.
///
/// # Errors
/// Writing to or configuring the terminal failed.
pub async fn run(
    mut frames: watch::Receiver<View>,
    commands: mpsc::UnboundedSender<UiCommand>,
) -> io::Result<()> {
    let mut screen = Screen::enter()?;
    let mut state = UiState {
        paused: frames.borrow().header.paused,
        ..UiState::default()
    };
    let mut events = EventStream::new();
    let mut engine_open = true;
    let mut leave = None;
    // Keys and resizes redraw at once; new views at most every MIN_FRAME (a run at `-i 0.01`
    // publishes 100 a second, more than anyone reads).
    let mut redraw_now = true;
    let mut view_waiting = false;
    let mut last_draw = Instant::now();
    while leave.is_none() {
        if redraw_now || (view_waiting && last_draw.elapsed() >= MIN_FRAME) {
            let view = frames.borrow_and_update();
            screen.terminal.draw(|f| draw(f, &view, &state))?;
            last_draw = Instant::now();
            (redraw_now, view_waiting) = (false, false);
        }
        let due = view_waiting.then_some(last_draw + MIN_FRAME);
        tokio::select! {
            changed = frames.changed(), if engine_open && !view_waiting => match changed {
                Ok(()) => view_waiting = true,
                Err(_) => {
                    engine_open = false;
                    state.finished = true;
                    redraw_now = true;
                }
            },
            _ = tokio::time::sleep_until(due.unwrap_or(last_draw).into()), if due.is_some() => {}
            event = next_event(&mut events) => {
                redraw_now = true;
                match event {
                    // The terminal went away: nothing more can be asked.
                    None => leave = Some(UiCommand::Quit),
                    Some(Err(e)) => return Err(e),
                    Some(Ok(Event::Key(key))) => match keys::on_key(key, &mut state) {
                        Some(c @ (UiCommand::Quit | UiCommand::Interrupt)) => leave = Some(c),
                        Some(c) => {
                            // The engine may have finished and gone; the view stays regardless.
                            let _ = commands.send(c);
                        }
                        None => {}
                    },
                    // Resizes and anything else: redraw (ratatui re-reads the size).
                    Some(Ok(_)) => {}
                }
            }
        }
    }
    drop(screen);
    if let Some(c) = leave {
        let _ = commands.send(c);
    }
    Ok(())
}
