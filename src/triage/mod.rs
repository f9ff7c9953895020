//! Triage: what happens to findings between the scan and the report. Findings are held back
//! only on purpose and always counted ([`suppress::triage`]: inline pragmas, allowlists, the
//! `.caulkignore` file, `--min-confidence`, the [`baseline`]); a scanned range is audited for the
//! suppressions it adds itself ([`audit`]).

pub(crate) mod audit;
pub(crate) mod baseline;
pub(crate) mod suppress;
