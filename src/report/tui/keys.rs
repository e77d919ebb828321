//! Keys to commands: a pure function, so every key's effect is tested without a terminal.

use super::{UiCommand, UiState};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Apply one key to the view's state; returns the command for the engine, if the key is one.
pub fn on_key(key: KeyEvent, state: &mut UiState) -> Option<UiCommand> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Char('c') if ctrl => Some(UiCommand::Interrupt),
        _ if ctrl => None,
        KeyCode::Char('q') | KeyCode::Char('Q') => Some(UiCommand::Quit),
        KeyCode::Esc if state.help => {
            state.help = false;
            None
        }
        KeyCode::Char('?') | KeyCode::Char('h') | KeyCode::F(1) => {
            state.help = !state.help;
            None
        }
        KeyCode::Char('p') | KeyCode::Char(' ') if !state.finished => {
            state.paused = !state.paused;
            Some(UiCommand::Pause(state.paused))
        }
        KeyCode::Char('r') => Some(UiCommand::Reset),
        KeyCode::Char('d') => {
            state.mode = state.mode.next();
            None
        }
        _ => None,
    }
}
