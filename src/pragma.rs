//! Inline allow pragmas: `caulk:allow [RULE-ID,…]` on a secret's line, and the pragmas of
//! other scanners (`gitleaks:allow`, `pragma: allowlist secret`) that teams bring with them.
//! Findings read them when they are built, history notices when a range adds one, triage when it
//! holds a finding back.

/// The pragma caulk reads; `caulk:allow RULE-ID[,RULE-ID]` limits it to those rules.
const CAULK: &[u8] = b"caulk:allow";
/// Pragmas honoured for teams moving from other scanners; they allow every rule.
const FOREIGN: &[&[u8]] = &[b"gitleaks:allow", b"pragma: allowlist secret"];

/// Whether a source line holds any pragma.
pub(crate) fn has_pragma(line: &[u8]) -> bool {
    memchr::memmem::find(line, CAULK).is_some() || foreign_pragma(line).is_some()
}

/// The rule ids a `caulk:allow` on `line` names (empty: every rule), or `None` without one.
/// Ids follow the pragma after whitespace, separated by commas or spaces.
fn caulk_rule_ids(line: &[u8]) -> Option<Vec<&[u8]>> {
    let at = memchr::memmem::find(line, CAULK)?;
    let rest = &line[at + CAULK.len()..];
    if !rest.first().is_some_and(|b| *b == b' ' || *b == b'\t') {
        return Some(Vec::new());
    }
    Some(
        rest.split(|b| b.is_ascii_whitespace() || *b == b',')
            .filter(|w| !w.is_empty())
            .take_while(|w| {
                w.iter()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
            })
            .collect(),
    )
}

/// The first foreign pragma on `line`, if any.
fn foreign_pragma(line: &[u8]) -> Option<&'static [u8]> {
    FOREIGN
        .iter()
        .copied()
        .find(|p| memchr::memmem::find(line, p).is_some())
}

/// The pragma on a source line as written (`caulk:allow groq-api-key`, `gitleaks:allow`), for
/// notices; `None` when it holds none.
pub(crate) fn pragma_text(line: &[u8]) -> Option<String> {
    if let Some(ids) = caulk_rule_ids(line) {
        let mut text = String::from("caulk:allow");
        for id in ids {
            text.push(' ');
            text.push_str(&String::from_utf8_lossy(id));
        }
        return Some(text);
    }
    foreign_pragma(line).map(|p| String::from_utf8_lossy(p).into_owned())
}

/// Whether a source line's pragma allows findings of `rule`.
pub(crate) fn pragma_allows(line: &[u8], rule: &str) -> bool {
    if foreign_pragma(line).is_some() {
        return true;
    }
    caulk_rule_ids(line).is_some_and(|ids| ids.is_empty() || ids.contains(&rule.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::pragma_allows;

    #[test]
    fn pragma_table() {
        let cases: &[(&str, &str, bool)] = &[
            ("key = 'x'  # caulk:allow", "groq-api-key", true),
            (
                "key = 'x'  // caulk:allow groq-api-key",
                "groq-api-key",
                true,
            ),
            (
                "key = 'x'  // caulk:allow groq-api-key",
                "openai-api-key",
                false,
            ),
            (
                "key = 'x'  # caulk:allow openai-api-key, groq-api-key -- fixture",
                "groq-api-key",
                true,
            ),
            ("key = 'x'  <!-- caulk:allow -->", "jwt", true),
            ("key = 'x'  # gitleaks:allow", "jwt", true),
            ("key = 'x'  # pragma: allowlist secret", "jwt", true),
            ("key = 'x'  # caulk: allow", "jwt", false),
            ("key = 'x'", "jwt", false),
        ];
        for &(line, rule, want) in cases {
            assert_eq!(
                pragma_allows(line.as_bytes(), rule),
                want,
                "{line} / {rule}"
            );
        }
    }
}
