//! Offline checks of a secret's own structure: a checksum it carries, or an encoding that must
//! decode to a known shape. A passing check makes a finding `high` confidence; a failing one
//! `low` (the format matched, but no real token looks like that). No network, ever.

use std::borrow::Cow;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::{Deserialize, Serialize};

/// How sure caulk is that a finding is a live credential's shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    /// Context or entropy only (generic rules), or a failed structure check.
    Low,
    /// The provider's documented format matched.
    Medium,
    /// A checksum or structure embedded in the secret was verified.
    High,
}

impl std::str::FromStr for Confidence {
    type Err = String;
    fn from_str(s: &str) -> Result<Confidence, String> {
        match s {
            "low" => Ok(Confidence::Low),
            "medium" => Ok(Confidence::Medium),
            "high" => Ok(Confidence::High),
            _ => Err(format!("`{s}` is not a confidence (low, medium or high)")),
        }
    }
}

impl std::fmt::Display for Confidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        })
    }
}

/// A structure check a rule can ask for (`validate = "…"` in its TOML).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// `gh?_` + 30 random base62 + 6-digit base62 CRC32 of those 30 (GitHub's token format).
    GithubCrc32,
    /// `npm_` + 30 random base62 + 6-digit base62 CRC32 (npm's token format, GitHub's scheme).
    NpmCrc32,
    /// A JWT: header and payload are base64url JSON objects, the header names an `alg`.
    Jwt,
    /// A PyPI API token: `pypi-` + a base64url macaroon whose location is `pypi.org`.
    PypiMacaroon,
    /// A PEM body (whitespace or JSON `\n` escapes between lines) that decodes to a DER
    /// SEQUENCE, as every private key encoding does.
    PemDer,
}

/// Whether `secret` passes `check`.
pub fn passes(check: Check, secret: &[u8]) -> bool {
    match check {
        Check::GithubCrc32 => {
            secret.len() == 40 && secret[3] == b'_' && crc32_base62_ok(&secret[4..])
        }
        Check::NpmCrc32 => {
            secret.starts_with(b"npm_") && secret.len() == 40 && crc32_base62_ok(&secret[4..])
        }
        Check::Jwt => jwt_ok(secret),
        Check::PemDer => {
            let body: Vec<u8> = secret
                .split(|&b| b == b'\\')
                .enumerate()
                .flat_map(|(i, part)| {
                    if i == 0 {
                        part
                    } else {
                        part.get(1..).unwrap_or_default()
                    }
                })
                .copied()
                .filter(|b| !b.is_ascii_whitespace())
                .collect();
            base64_decode(&body)
                .is_some_and(|der| der.len() > 64 && der[0] == 0x30 && der[1] >= 0x81)
        }
        Check::PypiMacaroon => secret
            .strip_prefix(b"pypi-")
            .and_then(base64_decode)
            .is_some_and(|m| memchr::memmem::find(&m, b"pypi.org").is_some()),
    }
}

/// `body` is 30 base62 characters followed by their CRC32 in 6 base62 digits.
fn crc32_base62_ok(body: &[u8]) -> bool {
    if body.len() != 36 || !body.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    let (data, check) = body.split_at(30);
    base62(crc32(data), 6).as_bytes() == check
}

/// `n` in base62 (`0-9A-Za-z`), left-padded with `0` to `width` digits.
fn base62(mut n: u32, width: usize) -> String {
    const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    while n > 0 {
        out.push(DIGITS[(n % 62) as usize]);
        n /= 62;
    }
    while out.len() < width {
        out.push(b'0');
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII digits")
}

/// CRC-32 (IEEE 802.3, as zlib computes it), the checksum GitHub and npm tokens carry.
pub fn crc32(data: &[u8]) -> u32 {
    crc32fast::hash(data)
}

/// base64 as secrets carry it: padding optional, and bits past the last whole byte ignored (a
/// scanner reads what is there rather than judging how it was written).
const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::RequireNone)
    .with_decode_allow_trailing_bits(true);
/// The standard alphabet (`+/`), leniently; URL-safe input is mapped onto it first.
const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);

/// Decodes standard or URL-safe base64 (either alphabet, or the two mixed), padded or not;
/// `None` on any other byte. A dangling last symbol (length 4n+1, as when a match is cut
/// short) carries no whole byte and is dropped.
pub fn base64_decode(s: &[u8]) -> Option<Vec<u8>> {
    let s = s
        .strip_suffix(b"==")
        .or_else(|| s.strip_suffix(b"="))
        .unwrap_or(s);
    let s = match s.split_last() {
        Some((&last, body)) if s.len() % 4 == 1 => {
            let symbol = last.is_ascii_alphanumeric() || b"+/-_".contains(&last);
            if !symbol {
                return None;
            }
            body
        }
        _ => s,
    };
    let s: Cow<'_, [u8]> = if s.iter().any(|&b| b == b'-' || b == b'_') {
        let standard = |b: u8| match b {
            b'-' => b'+',
            b'_' => b'/',
            b => b,
        };
        Cow::Owned(s.iter().copied().map(standard).collect())
    } else {
        Cow::Borrowed(s)
    };
    STANDARD.decode(s).ok()
}

/// The 6-bit value of a base64 or base64url symbol (`+`/`-` are 62, `/`/`_` 63).
pub fn base64_value(c: u8) -> Option<u8> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' | b'-' => 62,
        b'/' | b'_' => 63,
        _ => return None,
    })
}

/// The `exp` claim (seconds since the epoch) of a JWT, if it has one.
pub fn jwt_expiry(secret: &[u8]) -> Option<i64> {
    let payload = secret.split(|&b| b == b'.').nth(1)?;
    let claims: serde_json::Value = serde_json::from_slice(&base64_decode(payload)?).ok()?;
    claims.get("exp")?.as_i64()
}

fn jwt_ok(secret: &[u8]) -> bool {
    let mut parts = secret.split(|&b| b == b'.');
    let (Some(h), Some(p), Some(_sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let json = |part: &[u8]| {
        base64_decode(part)
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .filter(|v| v.is_object())
    };
    matches!((json(h), json(p)), (Some(header), Some(_)) if header.get("alg").is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc32_matches_zlib() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn github_and_npm_checksums() {
        // Fake tokens made by benches/fakekeys.py (random body, correct CRC32).
        assert!(passes(
            Check::GithubCrc32,
            b"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"
        ));
        assert!(passes(
            Check::GithubCrc32,
            b"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"
        ));
        assert!(
            !passes(
                Check::GithubCrc32,
                b"ghp_qrc5XlrWi0B26R08qzjI6GKFSufrdZ4Zo8JV"
            ),
            "last digit off"
        );
        assert!(!passes(
            Check::GithubCrc32,
            b"ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
        ));
        assert!(!passes(
            Check::NpmCrc32,
            b"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"
        ));
    }

    #[test]
    fn base64_table() {
        assert_eq!(base64_decode(b"aGVsbG8").unwrap(), b"hello");
        assert_eq!(base64_decode(b"aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64_decode(b"-_-_").unwrap(), vec![0xfb, 0xff, 0xbf]);
        assert!(base64_decode(b"a b").is_none());
    }

    /// The decoder caulk wrote by hand before it used the `base64` crate: the crate-backed
    /// `base64_decode` must accept, reject and decode exactly as it did.
    fn hand_written(s: &[u8]) -> Option<Vec<u8>> {
        let s = s
            .strip_suffix(b"==")
            .or_else(|| s.strip_suffix(b"="))
            .unwrap_or(s);
        let mut out = Vec::with_capacity(s.len() * 3 / 4);
        let (mut acc, mut bits) = (0u32, 0);
        for &c in s {
            let v = base64_value(c)?;
            acc = (acc << 6) | u32::from(v);
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push((acc >> bits) as u8);
            }
        }
        Some(out)
    }

    proptest::proptest! {
        #[test]
        fn base64_decode_matches_the_hand_written_decoder(
            s in "[A-Za-z0-9+/_=-]{0,40}|[A-Za-z0-9+/_ .-]{0,40}={0,3}"
        ) {
            proptest::prop_assert_eq!(base64_decode(s.as_bytes()), hand_written(s.as_bytes()));
        }
    }

    #[test]
    fn base64_edge_cases_decode_as_before() {
        for s in [
            &b""[..],
            b"=",
            b"==",
            b"a",
            b"aGVsbG8h=",
            b"aGVsbG8==",
            b"aGVs=",
            b"a+b_",
            b"aGVsbG8=x",
            b"aGV=bG8",
            b"aGVsbG9",
            b"aGVsbG9?",
            b"0A-0+_0aA_+00", // 4n+1 and mixed: once found by the proptest
        ] {
            assert_eq!(
                base64_decode(s),
                hand_written(s),
                "{}",
                String::from_utf8_lossy(s)
            );
        }
    }

    #[test]
    fn jwt_structure() {
        let ok = b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjYXVsay10ZXN0IiwiaWF0IjoxNzAwMDAwMDAwfQ.c2lnbmF0dXJlLWJ5dGVz";
        assert!(passes(Check::Jwt, ok));
        assert!(
            !passes(Check::Jwt, b"eyJub3QiOiJhIGp3dCJ9.eyJzdWIiOiJ4In0.sig"),
            "no alg"
        );
        assert!(!passes(Check::Jwt, b"abc.def.ghi"));
    }

    #[test]
    fn pem_bodies_decode_to_der() {
        let der = [vec![0x30, 0x82, 0x02, 0x54], vec![7u8; 90]].concat();
        let b64: String = {
            let t = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            der.chunks(3)
                .flat_map(|c| {
                    let n = (u32::from(c[0]) << 16)
                        | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
                        | u32::from(*c.get(2).unwrap_or(&0));
                    (0..4).map(move |i| t[((n >> (18 - 6 * i)) & 63) as usize] as char)
                })
                .collect()
        };
        let (a, b) = b64.split_at(40);
        assert!(
            passes(Check::PemDer, format!("{a}\n{b}").as_bytes()),
            "newline between lines"
        );
        assert!(
            passes(Check::PemDer, format!("{a}\\n{b}").as_bytes()),
            "JSON escape between lines"
        );
        assert!(!passes(
            Check::PemDer,
            b"bm90IGEga2V5IGF0IGFsbCwganVzdCB0ZXh0IHRoYXQgaXMgbG9uZyBlbm91Z2ggdG8gYmUgY2hlY2tlZA=="
        ));
    }

    #[test]
    fn jwt_expiry_reads_exp() {
        // {"alg":"HS256"} . {"sub":"x","exp":1700000000}
        let t = b"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4IiwiZXhwIjoxNzAwMDAwMDAwfQ.c2lnbmF0dXJl";
        assert_eq!(jwt_expiry(t), Some(1_700_000_000));
        assert_eq!(
            jwt_expiry(b"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"),
            None
        );
    }

    #[test]
    fn confidence_orders_and_parses() {
        assert!(Confidence::Low < Confidence::Medium && Confidence::Medium < Confidence::High);
        assert_eq!("high".parse::<Confidence>(), Ok(Confidence::High));
        assert!("sure".parse::<Confidence>().is_err());
    }
}
