//! Exit codes as a type: 0 clean, 1 findings, 2 error. An error never exits 0.

use std::process::ExitCode;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Nothing found, nothing failed.
    Clean = 0,
    /// At least one finding (wins over read errors: both block, and findings say more).
    Findings = 1,
    /// A bad flag, rule or path, or input that could not be read.
    Error = 2,
}

impl ExitStatus {
    /// The status of a scan with `findings` findings and `errors` unread inputs.
    pub fn of_scan(findings: usize, errors: usize) -> ExitStatus {
        if findings > 0 {
            ExitStatus::Findings
        } else if errors > 0 {
            ExitStatus::Error
        } else {
            ExitStatus::Clean
        }
    }
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> ExitCode {
        ExitCode::from(s as u8)
    }
}

#[cfg(test)]
mod tests {
    use super::ExitStatus::{self, *};

    #[test]
    fn scan_status_table() {
        let cases = [
            ((0, 0), Clean),
            ((3, 0), Findings),
            ((0, 1), Error),
            ((2, 5), Findings),
        ];
        for ((f, e), want) in cases {
            assert_eq!(ExitStatus::of_scan(f, e), want, "{f} findings, {e} errors");
        }
        assert_eq!([Clean as u8, Findings as u8, Error as u8], [0, 1, 2]);
    }
}
