//! `--format junit`: a failing test case per finding, an error case per unread path.

use std::io::{self, Write};

use super::{Report, headline};
use crate::sanitize::escape;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

/// JUnit XML: a test suite whose test cases are the findings (each a `<failure>`), the inputs
/// that could not be read (each an `<error>`), or one passing case when the scan is clean, so a
/// CI dashboard shows what blocked and where. quick-xml writes the markup and escapes `&<>'"`;
/// caulk's [`escape`] first turns control characters (invalid in XML 1.0) into visible `\xNN`.
pub(crate) fn write(r: &Report, w: &mut dyn Write) -> io::Result<()> {
    let (findings, summary) = (r.findings, r.summary);
    let unread: Vec<&crate::summary::Unread> = summary.unread.iter().filter(|u| u.error).collect();
    let tests =
        findings.len() + unread.len() + usize::from(findings.is_empty() && unread.is_empty());
    let secs = format!("{:.3}", summary.elapsed_ms as f64 / 1000.0);
    let (tests, failures, errors) = (
        tests.to_string(),
        findings.len().to_string(),
        unread.len().to_string(),
    );
    let mut x = Xml(Writer::new_with_indent(w, b' ', 2));
    x.event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    x.start(
        "testsuites",
        &[
            ("name", "caulk"),
            ("tests", &tests),
            ("failures", &failures),
            ("errors", &errors),
            ("time", &secs),
        ],
    )?;
    x.start(
        "testsuite",
        &[
            ("name", "caulk secret scan"),
            ("tests", &tests),
            ("failures", &failures),
            ("errors", &errors),
            ("skipped", "0"),
            ("time", &secs),
        ],
    )?;
    for f in findings {
        let place = format!("{}:{}:{}", f.path, f.line, f.column);
        let mut detail = format!("{}\n{}\nline: {}\n", headline(f), place, f.snippet);
        if let Some(c) = &f.commit {
            detail.push_str(&format!("commit: {} {} {}\n", c.sha, c.author, c.date));
        }
        detail.push_str(&format!(
            "fix: {}\nfingerprint: {}",
            f.remediation, f.fingerprint
        ));
        x.start(
            "testcase",
            &[
                ("name", &escape(&format!("{} at {place}", f.rule_id))),
                ("classname", &escape(&format!("caulk.{}", f.rule_id))),
                ("file", &escape(&f.path)),
                ("line", &f.line.to_string()),
                ("time", "0"),
            ],
        )?;
        x.text_element(
            "failure",
            &[
                ("type", &escape(&f.rule_id)),
                ("message", &escape(&headline(f))),
            ],
            // each line escaped on its own, so line breaks stay line breaks
            &detail
                .split('\n')
                .map(escape)
                .collect::<Vec<_>>()
                .join("\n"),
        )?;
        x.end("testcase")?;
    }
    for u in &unread {
        x.start(
            "testcase",
            &[
                ("name", &escape(&format!("read {}", u.path))),
                ("classname", "caulk.unread"),
                ("file", &escape(&u.path)),
                ("time", "0"),
            ],
        )?;
        x.text_element(
            "error",
            &[("type", "unread"), ("message", &escape(&u.reason))],
            &escape(&u.to_string()),
        )?;
        x.end("testcase")?;
    }
    if findings.is_empty() && unread.is_empty() {
        x.event(Event::Empty(tag(
            "testcase",
            &[
                ("name", "no secrets found"),
                ("classname", "caulk.scan"),
                ("time", &secs),
            ],
        )))?;
    }
    x.end("testsuite")?;
    x.end("testsuites")?;
    writeln!(x.0.into_inner())
}

/// `<name k="v" …>` with the values XML-escaped by quick-xml, in the order given.
fn tag<'a>(name: &'a str, attrs: &[(&str, &str)]) -> BytesStart<'a> {
    BytesStart::new(name).with_attributes(attrs.iter().copied())
}

/// A quick-xml writer over the report's output, with caulk's element shapes.
struct Xml<'w>(Writer<&'w mut dyn Write>);

impl Xml<'_> {
    fn event(&mut self, e: Event<'_>) -> io::Result<()> {
        self.0.write_event(e)
    }

    fn start(&mut self, name: &str, attrs: &[(&str, &str)]) -> io::Result<()> {
        self.event(Event::Start(tag(name, attrs)))
    }

    fn end(&mut self, name: &str) -> io::Result<()> {
        self.event(Event::End(BytesEnd::new(name)))
    }

    /// `<name …>text</name>`, the text XML-escaped (the caller has escaped control characters).
    fn text_element(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> io::Result<()> {
        self.start(name, attrs)?;
        self.event(Event::Text(BytesText::new(text)))?;
        self.end(name)
    }
}
