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

/// Whether `s` is a password *hash* in one of the formats applications store them in: a hash
/// is not a credential to rotate (it does not log anyone in), so no rule reports one. Jupyter's
/// `sha1:salt:hash` and `argon2:$argon2id$…`, crypt's `$1$`, `$5$`, `$6$`, `$y$`, bcrypt's
/// `$2a$`/`$2b$`/`$2y$`, `$argon2id$`, `$scrypt$`, `$pbkdf2-sha256$`, Apache's `$apr1$`, Django's
/// `pbkdf2_sha256$…`, `bcrypt_sha256$…`, `argon2$…`, `scrypt$…`, and LDAP's `{SSHA}…`.
pub fn is_password_hash(s: &[u8]) -> bool {
    let hex = |b: &[u8]| !b.is_empty() && b.iter().all(u8::is_ascii_hexdigit);
    // Jupyter: `sha1:<salt>:<40 hex>` (also sha256/sha512 and other hashlib names).
    for algo in [&b"sha1:"[..], b"sha256:", b"sha512:", b"md5:"] {
        if let Some(rest) = s.strip_prefix(algo) {
            let mut parts = rest.splitn(2, |&b| b == b':');
            if let (Some(salt), Some(hash)) = (parts.next(), parts.next())
                && hex(salt)
                && hex(hash)
                && hash.len() >= 32
            {
                return true;
            }
        }
    }
    if s.starts_with(b"argon2:$argon2") {
        return true;
    }
    // Modular crypt format: `$id$[params$]salt$hash`.
    const MCF: &[&[u8]] = &[
        b"$1$",
        b"$2a$",
        b"$2b$",
        b"$2x$",
        b"$2y$",
        b"$5$",
        b"$6$",
        b"$7$",
        b"$y$",
        b"$gy$",
        b"$apr1$",
        b"$argon2i$",
        b"$argon2d$",
        b"$argon2id$",
        b"$scrypt$",
        b"$pbkdf2",
        b"$sha1$",
        b"$md5",
    ];
    let dollars = s.iter().filter(|&&b| b == b'$').count();
    if MCF.iter().any(|p| s.starts_with(p)) && dollars >= 3 {
        return true;
    }
    // Django: `algorithm$iterations$salt$hash` and friends.
    const DJANGO: &[&[u8]] = &[
        b"pbkdf2_sha256$",
        b"pbkdf2_sha1$",
        b"bcrypt_sha256$",
        b"bcrypt$",
        b"argon2$",
        b"scrypt$",
        b"sha1$",
        b"md5$",
        b"unsalted_md5$",
        b"unsalted_sha1$",
    ];
    if DJANGO.iter().any(|p| s.starts_with(p)) && dollars >= 2 {
        return true;
    }
    // LDAP userPassword: `{SSHA}base64`, `{SHA}`, `{SSHA512}`, `{CRYPT}`, `{PBKDF2-SHA256}`.
    if s.first() == Some(&b'{')
        && let Some(end) = s.iter().position(|&b| b == b'}')
    {
        let scheme = &s[1..end];
        return (2..=20).contains(&scheme.len())
            && scheme
                .iter()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'-')
            && end + 1 < s.len();
    }
    false
}

/// Well-known example credentials from vendors' documentation (AWS, Stripe, Firebase): copied
/// into code and READMEs by the thousand, and never valid.
const DOC_EXAMPLES: &[&[u8]] = &[
    b"AKIAIOSFODNN7EXAMPLE",
    b"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    b"AIzaSyDOCAbC123dEf456GhI789jKl01-MnO",
    b"sk_test_4eC39HqLyjWDarjtT1zdp7dc",
    b"pk_test_TYooMQauvdEDq54NiTphI7jx",
    b"sk_test_BQokikJOvBiI2HlWgH4olfQ2",
    b"whsec_1234567890abcdef",
];

/// Whether `s` is a documented example credential: one of the well-known ones vendors publish,
/// or a value that says so itself (`EXAMPLE` in capitals, as AWS's examples do).
pub fn is_doc_example(s: &[u8]) -> bool {
    DOC_EXAMPLES.contains(&s) || memchr::memmem::find(s, b"EXAMPLE").is_some()
}

/// Whether `s` holds a redaction: a run of eight or more `*`, `#`, `x`, `X` or `•`, at any
/// length (a long key redacted in a log or a doc keeps its prefix and loses its body).
pub fn is_redacted(s: &[u8]) -> bool {
    let masked = |b: u8| matches!(b, b'*' | b'#' | b'x' | b'X');
    let mut run = 0;
    for &b in s {
        run = if masked(b) { run + 1 } else { 0 };
        if run >= 8 {
            return true;
        }
    }
    memchr::memmem::find(s, "••••".as_bytes()).is_some()
        || memchr::memmem::find(&s.to_ascii_uppercase(), b"REDACTED").is_some()
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
    fn password_hashes_are_not_credentials() {
        let hashes = [
            "sha1:6c2164fd9c8f:1e8dbbd6bbb7e8d3bd5ab4b1a7e7f9a2a5c5d2e1",
            "argon2:$argon2id$v=19$m=10240,t=10,p=8$x5kDvJIdQ6F3iN8GbqQX3A$Kmeq0uHI3dpb3ZpwI/wbGtzpw0RRsAMw8pCGXPyGl1Y",
            "$2b$12$KIXQJHn8S5r4GZ1v9uq3eOqWc6l9sT0p3f2oQ7c4jZ5yH1vGkXc1e",
            "$6$rounds=5000$saltsalt$Hk3Ybq0d9fJ1O2rU4o6e8Rj1u7Zp0xQ3tC5vB8nM2aS4dF6gH9jK1lZ3xC5vB7nM9qW2eR4tY6uI8oP0aS",
            "$apr1$hVb4CJ5c$0z1Zr8vTjN9k3Wl2Xy5Qn/",
            "pbkdf2_sha256$600000$Q9eZb3r1k2Xv$Jp7Yk1tFz0nH3oR6uW2cA9sD4fG8hL5mB1vN7qE3xT0=",
            "{SSHA}qUqP5cyxm6YcTAhz05Hph5gvu9M=",
        ];
        for h in hashes {
            assert!(is_password_hash(h.as_bytes()), "{h}");
        }
        for not in [
            "s3cr3t-Pa55w0rd!",
            "$ecretPa$$word",
            "sha1:notasalt",
            "{{ var }}",
            "{x}",
        ] {
            assert!(!is_password_hash(not.as_bytes()), "{not}");
        }
    }

    #[test]
    fn redactions_and_documented_examples() {
        for r in [
            "sk-proj-****************************************************",
            "ghp_########################################",
            "hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "AKIA[REDACTED]",
        ] {
            assert!(is_redacted(r.as_bytes()), "{r}");
        }
        assert!(!is_redacted(b"hf_XyHTcsIrg4yv2EK804flfh8oEk112g4zry"));
        assert!(is_doc_example(b"AKIAIOSFODNN7EXAMPLE"));
        assert!(is_doc_example(b"AIzaSyDOCAbC123dEf456GhI789jKl01-MnO"));
        assert!(!is_doc_example(b"AKIAMR46PQM4I2HZ4UEP"));
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
