//! `--format json`: `{version, findings, summary, errors}`, plus `suppressed` when asked.

use std::io::{self, Write};

use super::Report;
use crate::finding::Finding;
use crate::summary::Summary;
use serde::Serialize;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: &'static str,
    findings: &'a [Finding],
    summary: &'a Summary,
    errors: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed: Option<&'a [crate::triage::suppress::Suppressed]>,
}

/// The JSON report: `{version, findings, summary, errors}`, plus `suppressed` when asked;
/// documented in the README, changed only by adding fields.
pub(crate) fn write(r: &Report, w: &mut dyn Write) -> io::Result<()> {
    let (findings, summary, suppressed) = (r.findings, r.summary, r.suppressed);
    let errors: Vec<String> = summary
        .unread
        .iter()
        .filter(|u| u.error)
        .map(|u| u.to_string())
        .collect();
    let report = JsonReport {
        version: env!("CARGO_PKG_VERSION"),
        findings,
        summary,
        errors: &errors,
        suppressed,
    };
    crate::sanitize::write_json(&mut *w, &report)?;
    writeln!(w)
}
