//! Pure filters the engine applies to every candidate secret: Shannon entropy, and the shapes
//! that mark a value as a placeholder, template slot or redaction rather than a credential.
//!
//! Word lists (`your`, `example`, `changeme`…) are rule data (allowlist stopwords), because a
//! word is a fair hint in a `password = "…"` assignment but not inside a 160-character random key
//! that may contain it by chance. What lives here holds for every rule.

/// Shannon entropy of `s`, in bits per byte.
pub fn entropy(s: &[u8]) -> f64 {
    if s.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in s {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// Longest secret whose runs are checked.
const MAX_RUN_CHECKED: usize = 128;

/// Whether `s` has a shape no real credential has: a template slot (`${…}`, `{{…}}`, `%(…)s`,
/// `<…>`), an ellipsis, a masked run (`****`, `xxxxx`, `00000`), or a counting run
/// (`123456`, `abcdef`).
pub fn looks_fake(s: &[u8]) -> bool {
    const MARKERS: &[&[u8]] = &[
        b"${",
        b"{{",
        b"}}",
        b"%(",
        b"$(",
        b"...",
        "…".as_bytes(),
        b"<",
        b">",
    ];
    if MARKERS.iter().any(|m| memchr::memmem::find(s, m).is_some()) {
        return true;
    }
    // Masked and counting runs mark short tokens; long encoded blobs (key bodies, DER's
    // `AAAAA` padding) contain such runs legitimately.
    if s.len() > MAX_RUN_CHECKED || s.iter().any(|b| b.is_ascii_whitespace() || *b == b'\\') {
        return false;
    }
    longest_run(s, |a, b| a.eq_ignore_ascii_case(&b)) >= 5
        || longest_run(s, |a, b| a.is_ascii_alphanumeric() && b == a + 1) >= 6
}

/// Length of the longest run of bytes in which each byte relates to the one before by `next`.
fn longest_run(s: &[u8], next: impl Fn(u8, u8) -> bool) -> usize {
    let mut best = usize::from(!s.is_empty());
    let mut cur = best;
    for w in s.windows(2) {
        cur = if next(w[0], w[1]) { cur + 1 } else { 1 };
        best = best.max(cur);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_table() {
        let cases: &[(&str, f64)] = &[
            ("", 0.0),
            ("aaaa", 0.0),
            ("abab", 1.0),
            ("abcd", 2.0),
            ("0123456789abcdef", 4.0),
        ];
        for &(s, want) in cases {
            assert!(
                (entropy(s.as_bytes()) - want).abs() < 1e-9,
                "{s}: {}",
                entropy(s.as_bytes())
            );
        }
    }

    #[test]
    fn fake_shapes() {
        let fake = [
            "${OPENAI_API_KEY}",
            "{{ secrets.TOKEN }}",
            "%(password)s",
            "<YOUR_TOKEN>",
            "sk-...",
            "hf_…",
            "xxxxxxxxxxxx",
            "XXXXX",
            "********",
            "0000000000",
            "abc123456789",
            "abcdefgh",
        ];
        for s in fake {
            assert!(looks_fake(s.as_bytes()), "{s} should look fake");
        }
        let real = [
            "q8Zr2LwP0vYt9KxB",
            "AKIA2E7Q4XZ5N6LBRK3C",
            "s3cr3t-Pa55w0rd!",
            "aa1bb2cc3dd",
        ];
        for s in real {
            assert!(!looks_fake(s.as_bytes()), "{s} should not look fake");
        }
    }
}
