//! Encoded secrets: base64 and base64url runs, and percent-encoded runs, that decode to text
//! are decoded and scanned, up to [`MAX_DEPTH`] levels deep (a `.dockerconfigjson` is base64 of
//! JSON whose `auth` is base64 of `user:token`). A `data:` URI's payload and an
//! `Authorization: Basic` value are such runs; a Kubernetes Secret's values are decoded here too
//! ([`super::k8s`] finds them, with a lower length floor).
//!
//! Cost is bounded: a run is decoded only when its first bytes decode to text, and an input
//! decodes at most [`budget`] bytes in all.

/// Levels of encoding looked through: base64 inside base64, and no deeper.
pub(crate) const MAX_DEPTH: u8 = 2;

/// Shortest base64 run decoded: 16 characters make 12 bytes, shorter than any token caulk finds
/// plus a name, and shorter runs are mostly words and identifiers.
const MIN_BASE64: usize = 16;

/// Longest run decoded (a larger one is a file embedded in a file: an image, a model).
const MAX_RUN: usize = 1 << 20;

/// Characters of a run's head decoded first to tell text from binary.
const HEAD: usize = 88;

/// Bytes an input may decode in all, at every depth: its own size plus 64 KiB.
pub(crate) fn budget(input_len: usize) -> usize {
    input_len + (64 << 10)
}

/// How a segment's text was encoded in the text around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Base64 or base64url (`+/` or `-_`, padded or not).
    Base64,
    /// Percent-encoding (`%3D`, `%2F`), as in a URL.
    Percent,
    /// A value under a Kubernetes Secret's `data:` (base64).
    K8sSecret,
}

impl Encoding {
    /// The offset in the encoded text of decoded byte `d`, relative to the run's start.
    pub fn encoded_offset(self, d: usize, run: &[u8]) -> usize {
        match self {
            // Decoded bit 8d stands in encoded character 8d / 6.
            Encoding::Base64 | Encoding::K8sSecret => d * 4 / 3,
            Encoding::Percent => percent_offset(run, d),
        }
    }

    /// What was decoded, as a finding's snippet names it: `base64-decoded`.
    pub fn label(self) -> &'static str {
        match self {
            Encoding::Base64 => "base64-decoded",
            Encoding::Percent => "percent-decoded",
            Encoding::K8sSecret => "base64-decoded from a Kubernetes Secret",
        }
    }
}

/// What [`runs`] calls for each run: `(start, end, encoding, decoded)`.
pub(crate) type OnRun<'a> = dyn FnMut(usize, usize, Encoding, &[u8]) + 'a;

/// Whether `b` may stand in a base64 or base64url run.
fn base64_byte(b: u8) -> bool {
    BASE64[usize::from(b)]
}

/// [`base64_byte`] as a table: one load per byte over every text input.
static BASE64: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || c == b'-' || c == b'_';
        b += 1;
    }
    t
};

/// Whether decoded bytes are text a secret could stand in: UTF-8 without control bytes other
/// than tab and line breaks.
pub(crate) fn is_text(b: &[u8]) -> bool {
    !b.is_empty()
        && std::str::from_utf8(b).is_ok()
        && b.iter()
            .all(|&c| c >= 0x20 && c != 0x7f || matches!(c, b'\t' | b'\n' | b'\r'))
}

/// Calls `f(start, end, decoded)` for each encoded run of `text` that decodes to text, spending
/// at most `*budget` decoded bytes (and lowering it).
pub(crate) fn runs(text: &[u8], budget: &mut usize, f: &mut OnRun<'_>) {
    base64_runs(text, budget, f);
    percent_runs(text, budget, f);
}

fn base64_runs(text: &[u8], budget: &mut usize, f: &mut OnRun<'_>) {
    // `i` always follows a byte that cannot stand in a run (or is 0), so a run of MIN_BASE64
    // starting at `i` fills the window `i..i + MIN_BASE64`. The window is read from its end: a
    // byte that cannot stand in a run at `j` rules out every run starting at or before `j`, and
    // the next window starts after it. Word-dense text is crossed in about a check per word, not
    // a test per byte.
    let mut i = 0;
    while i + MIN_BASE64 <= text.len() && *budget > 0 {
        match text[i..i + MIN_BASE64]
            .iter()
            .rposition(|&b| !base64_byte(b))
        {
            Some(j) => i += j + 1,
            None => i = run_at(text, i, budget, f),
        }
    }
}

/// Reads the run that starts at `start` (its first [`MIN_BASE64`] bytes may stand in one),
/// calls `f` if it decodes to text, and returns where the run's padding ends.
fn run_at(text: &[u8], start: usize, budget: &mut usize, f: &mut OnRun<'_>) -> usize {
    let stop = text[start + MIN_BASE64..]
        .iter()
        .position(|&b| !base64_byte(b))
        .map_or(text.len(), |n| start + MIN_BASE64 + n);
    let mut end = stop;
    while end < text.len() && end - stop < 2 && text[end] == b'=' {
        end += 1;
    }
    let symbols = stop - start;
    let run = &text[start..end];
    // The head first: most runs (identifiers, paths, hashes) are not base64 of text, and
    // show it within a few bytes.
    if symbols > MAX_RUN
        || !looks_encoded(&run[..symbols])
        || !head_is_text(&run[..symbols.min(HEAD)])
    {
        return end;
    }
    if let Some(decoded) = caulk_engine::checks::base64_decode(run)
        && decoded.len() >= 8
        && is_text(&decoded)
        && decoded.len() <= *budget
    {
        *budget -= decoded.len();
        f(start, end, Encoding::Base64, &decoded);
    }
    end
}

/// Whether a base64-alphabet run is likely encoded data rather than a word, a path or a number:
/// it mixes cases or digits, and is not all hex.
fn looks_encoded(run: &[u8]) -> bool {
    // What each byte shows, or-ed a chunk at a time (no branch per byte), done as soon as the
    // answer is known: upper and lower case, or a letter and a digit, and a byte that is no hex
    // digit.
    let encoded = |seen: u8| {
        seen & NON_HEX != 0
            && (seen & (UPPER | LOWER) == UPPER | LOWER
                || seen & (UPPER | LOWER) != 0 && seen & DIGIT != 0)
    };
    let mut seen = 0;
    for chunk in run.chunks(16) {
        seen |= chunk.iter().fold(0, |s, &b| s | CLASS[usize::from(b)]);
        if encoded(seen) {
            return true;
        }
    }
    false
}

const UPPER: u8 = 1;
const LOWER: u8 = 2;
const DIGIT: u8 = 4;
const NON_HEX: u8 = 8;

/// What [`looks_encoded`] sees in a byte: its case, whether it is a digit, whether it is no hex
/// digit.
static CLASS: [u8; 256] = {
    let mut t = [NON_HEX; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = match c {
            b'A'..=b'F' => UPPER,
            b'a'..=b'f' => LOWER,
            b'G'..=b'Z' => UPPER | NON_HEX,
            b'g'..=b'z' => LOWER | NON_HEX,
            b'0'..=b'9' => DIGIT,
            _ => NON_HEX,
        };
        b += 1;
    }
    t
};

/// Whether the bytes the whole 4-symbol groups of `head` decode to could be text (no control
/// byte but tab and line breaks), decoding without allocating and stopping at the first that
/// could not: random bytes fail within a few.
fn head_is_text(head: &[u8]) -> bool {
    let ok = |b: u32| b >= 0x20 && b != 0x7f || b == 0x09 || b == 0x0a || b == 0x0d;
    for group in head.chunks_exact(4) {
        let mut n = 0u32;
        for &c in group {
            let Some(v) = caulk_engine::checks::base64_value(c).map(u32::from) else {
                return false;
            };
            n = n << 6 | v;
        }
        if !(ok(n >> 16) && ok(n >> 8 & 0xff) && ok(n & 0xff)) {
            return false;
        }
    }
    true
}

/// Whether `b` may stand in a percent-encoded run (a URL's characters).
fn url_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"%-._~!$&'()*+,;=:@/?#[]".contains(&b)
}

fn percent_runs(text: &[u8], budget: &mut usize, f: &mut OnRun<'_>) {
    let mut from = 0;
    while let Some(p) = memchr::memchr(b'%', &text[from..]) {
        if *budget == 0 {
            return;
        }
        let p = from + p;
        // `%HH`: most `%` in code are format strings and operators, never looked around.
        let hex_at = |at: usize| text.get(at).is_some_and(u8::is_ascii_hexdigit);
        if !(hex_at(p + 1) && hex_at(p + 2)) {
            from = p + 1;
            continue;
        }
        let start = text[..p]
            .iter()
            .rposition(|&b| !url_byte(b))
            .map_or(0, |i| i + 1);
        let end = text[p..]
            .iter()
            .position(|&b| !url_byte(b))
            .map_or(text.len(), |i| p + i);
        from = end.max(p + 1);
        let run = &text[start..end];
        let escapes = run
            .windows(3)
            .filter(|w| w[0] == b'%' && w[1].is_ascii_hexdigit() && w[2].is_ascii_hexdigit())
            .count();
        // Two escapes at least: one `%3D` before a token is a boundary the engine knows.
        if escapes < 2 || run.len() > MAX_RUN {
            continue;
        }
        let decoded = percent_decode(run);
        if decoded.len() < 8 || !is_text(&decoded) || decoded.len() > *budget {
            continue;
        }
        *budget -= decoded.len();
        f(start, end, Encoding::Percent, &decoded);
    }
}

/// `run` with each `%HH` replaced by its byte (`+` stays: it is a space only in forms).
fn percent_decode(run: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(run.len());
    let mut i = 0;
    while i < run.len() {
        if run[i] == b'%'
            && let (Some(h), Some(l)) = (
                run.get(i + 1).copied().and_then(hex),
                run.get(i + 2).copied().and_then(hex),
            )
        {
            out.push(h << 4 | l);
            i += 3;
        } else {
            out.push(run[i]);
            i += 1;
        }
    }
    out
}

/// The offset in `run` of percent-decoded byte `d`.
fn percent_offset(run: &[u8], d: usize) -> usize {
    let (mut i, mut n) = (0, 0);
    while i < run.len() && n < d {
        i += if run[i] == b'%' && run.len() > i + 2 {
            3
        } else {
            1
        };
        n += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;

    fn all(text: &str) -> Vec<(usize, usize, Encoding, String)> {
        let mut out = Vec::new();
        let mut budget = budget(text.len());
        runs(text.as_bytes(), &mut budget, &mut |s, e, enc, d| {
            out.push((s, e, enc, String::from_utf8_lossy(d).into_owned()))
        });
        out
    }

    #[test]
    fn base64_of_text_is_decoded_and_other_runs_are_not() {
        // base64 of `HF_TOKEN=hf_XyHTcsIrg4yv2EK804flfh8oEk112g4zry`
        let b = "SEZfVE9LRU49aGZfWHlIVGNzSXJnNHl2MkVLODA0ZmxmaDhvRWsxMTJnNHpyeQ==";
        let got = all(&format!("value: {b}\n"));
        assert_eq!(got.len(), 1, "{got:?}");
        assert_eq!(
            (got[0].0, got[0].1, got[0].2),
            (7, 7 + b.len(), Encoding::Base64)
        );
        assert!(got[0].3.starts_with("HF_TOKEN=hf_"));
        for not in [
            "def compute_attention_scores_for_batch(x):",
            "/usr/lib/python3/dist-packages/numpy/core",
            "sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "integrity sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUR",
        ] {
            assert_eq!(all(not), vec![], "{not}");
        }
    }

    /// Standard base64 with padding.
    fn encode(b: &[u8]) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(b)
    }

    /// The run search by its definition: every maximal run of base64 bytes, a byte at a time.
    fn plain_runs(text: &[u8]) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < text.len() {
            if !base64_byte(text[i]) {
                i += 1;
                continue;
            }
            let start = i;
            while i < text.len() && base64_byte(text[i]) {
                i += 1;
            }
            let stop = i;
            while i < text.len() && i - stop < 2 && text[i] == b'=' {
                i += 1;
            }
            let run = &text[start..i];
            let symbols = stop - start;
            let decoded = caulk_engine::checks::base64_decode(run);
            if symbols >= MIN_BASE64
                && looks_encoded(&run[..symbols])
                && decoded.is_some_and(|d| d.len() >= 8 && is_text(&d))
            {
                out.push((start, i));
            }
        }
        out
    }

    proptest::proptest! {
        /// The skipping search finds what the plain one finds, in text that mixes words,
        /// separators and base64 of text.
        #[test]
        fn the_skipping_search_finds_every_run(parts in proptest::collection::vec(
            proptest::prop_oneof![
                "[a-z_]{1,20}",
                "[ .,:=\n\"]{1,3}",
                "[A-Za-z0-9+/]{10,30}={0,2}",
                proptest::string::string_regex("[ -~]{4,40}").unwrap()
                    .prop_map(|t| encode(t.as_bytes())),
            ],
            0..30,
        )) {
            let text = parts.concat();
            let mut got = Vec::new();
            let mut budget = budget(text.len());
            runs(text.as_bytes(), &mut budget, &mut |s, e, enc, _| {
                if enc == Encoding::Base64 {
                    got.push((s, e))
                }
            });
            proptest::prop_assert_eq!(got, plain_runs(text.as_bytes()));
        }
    }

    #[test]
    fn percent_runs_are_decoded_and_mapped_back() {
        let text = "url=https://x.io/cb?auth%3Dtoken%20hf_XyHTcsIrg4yv2EK804flfh8oEk112g4zry";
        let got = all(text);
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].3.contains("auth=token hf_XyHT"), "{got:?}");
        let run = &text.as_bytes()[got[0].0..got[0].1];
        let d = got[0].3.find("hf_").unwrap();
        assert_eq!(&run[percent_offset(run, d)..][..3], b"hf_");
    }

    #[test]
    fn base64_offsets_map_to_the_encoded_characters() {
        for d in 0..30 {
            let e = Encoding::Base64.encoded_offset(d, b"");
            assert_eq!(e, d * 8 / 6, "{d}");
        }
    }

    #[test]
    fn the_budget_bounds_decoding() {
        let b = "SEZfVE9LRU49aGZfWHlIVGNzSXJnNHl2MkVLODA0ZmxmaDhvRWsxMTJnNHpyeQ== ".repeat(100);
        let mut budget = 100;
        let mut n = 0;
        runs(b.as_bytes(), &mut budget, &mut |_, _, _, _| n += 1);
        assert_eq!(n, 2);
    }
}
