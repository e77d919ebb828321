//! Driving a full-screen program the way a person does: in a real terminal (a detached tmux
//! session on a server of its own), with keys sent and the screen read back.

#![allow(dead_code)]

use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A tmux server with one session, `t`, running a plain shell; killed on drop.
pub struct Tmux {
    socket: String,
}

/// The shell's prompt, so tests can tell the shell's screen from the program's.
pub const PROMPT: &str = "tmux-test$ ";

impl Tmux {
    /// A `width` × `height` session running `bash` with a known prompt. `None` (after a
    /// one-line notice) when tmux is not installed and not under CI.
    pub fn start(width: u16, height: u16) -> Option<Tmux> {
        if Command::new("tmux").arg("-V").output().is_err() {
            if super::netns::is_ci() {
                panic!("CI=true but tmux is not installed");
            }
            eprintln!("skipping: tmux is not installed");
            return None;
        }
        let tmux = Tmux {
            socket: format!("globetrace-test-{}-{}", std::process::id(), next_id()),
        };
        let out = tmux.run(&[
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            "env",
            &format!("PS1={PROMPT}"),
            "LANG=C.UTF-8",
            "TERM=tmux-256color",
            "bash",
            "--norc",
            "--noprofile",
        ]);
        assert!(out.status.success(), "tmux new-session: {out:?}");
        tmux.wait_for("the shell prompt", Duration::from_secs(10), |s| {
            s.iter().any(|l| l.starts_with(PROMPT.trim_end()))
        });
        Some(tmux)
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .args(["-L", &self.socket, "-f", "/dev/null"])
            .args(args)
            .env("LANG", "C.UTF-8")
            .output()
            .expect("tmux runs")
    }

    /// Type `line` into the shell and press Enter.
    pub fn type_line(&self, line: &str) {
        assert!(self
            .run(&["send-keys", "-t", "t", "-l", line])
            .status
            .success());
        self.keys(&["Enter"]);
    }

    /// Press keys (tmux key names: `q`, `C-c`, `Escape`, `?`).
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend(keys);
        assert!(self.run(&args).status.success());
    }

    /// The visible screen, one string per row (trailing blanks trimmed).
    pub fn screen(&self) -> Vec<String> {
        let out = self.run(&["capture-pane", "-p", "-t", "t"]);
        assert!(out.status.success(), "capture-pane: {out:?}");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| l.trim_end().to_string())
            .collect()
    }

    /// Resize the window (the program gets SIGWINCH).
    pub fn resize(&self, width: u16, height: u16) {
        let out = self.run(&[
            "resize-window",
            "-t",
            "t",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
        ]);
        assert!(out.status.success(), "resize-window: {out:?}");
    }

    /// Read the screen until `ready` holds; panics with the last screen after `timeout`.
    pub fn wait_for(
        &self,
        what: &str,
        timeout: Duration,
        ready: impl Fn(&[String]) -> bool,
    ) -> Vec<String> {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            if start.elapsed() > timeout {
                panic!(
                    "waited {timeout:?} for {what}; the screen:\n{}",
                    screen.join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn next_id() -> u32 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    NEXT.fetch_add(1, Ordering::SeqCst)
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}
