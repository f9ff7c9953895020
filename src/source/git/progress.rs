//! A progress bar for long history scans, on a terminal only.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// A progress bar on stderr, shown only on a terminal and only once the scan has run a second.
pub(super) struct Progress {
    bar: Option<indicatif::ProgressBar>,
    started: Instant,
}

impl Progress {
    pub(super) fn new(enabled: bool, total: u64) -> Progress {
        let bar = (enabled && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(total),
                indicatif::ProgressDrawTarget::hidden(),
            );
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "caulk: scanning history {bar:30} {pos}/{len} blobs {eta}",
                )
                .expect("static template"),
            );
            bar
        });
        Progress {
            bar,
            started: Instant::now(),
        }
    }

    pub(super) fn inc(&self) {
        if let Some(bar) = &self.bar {
            if bar.is_hidden() && self.started.elapsed() > Duration::from_secs(1) {
                bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            }
            bar.inc(1);
        }
    }

    /// `n` more to do (a history scan's walk finds its blobs as the scan goes).
    pub(super) fn more(&self, n: u64) {
        if let Some(bar) = &self.bar {
            bar.inc_length(n);
        }
    }

    pub(super) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
