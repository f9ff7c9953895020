//! Kubernetes `Secret` manifests keep their values base64-encoded under `data:` (encoded, not
//! encrypted): each value is decoded, one level, into a segment that points at the encoded text.

use std::sync::LazyLock;

/// Appended to the snippet of a finding in a decoded value.
pub(crate) const SNIPPET_NOTE: &str = " (base64-decoded from a Kubernetes Secret)";

/// Appended to the fix of a finding in a decoded value.
pub(crate) const FIX: &str = " Kubernetes Secret data is only base64-encoded, not encrypted: keep \
     Secrets out of git, or commit them sealed (Sealed Secrets, SOPS, External Secrets).";

/// Calls `f(start, end, decoded)` for each base64 value of a Secret manifest `text` that decodes
/// to UTF-8 text of 8 bytes or more; nothing when `text` is no Secret.
pub(crate) fn secret_values(text: &[u8], f: &mut dyn FnMut(usize, usize, &[u8])) {
    static VALUE: LazyLock<regex::bytes::Regex> = LazyLock::new(|| {
        regex::bytes::Regex::new(r#"(?m)^[ \t]+[A-Za-z0-9._-]+:[ \t]+["']?(?P<v>[A-Za-z0-9+/]{12,}={0,2})["']?[ \t]*\r?$"#)
            .expect("static regex")
    });
    let has = |needle: &[u8]| memchr::memmem::find(text, needle).is_some();
    if !(has(b"kind: Secret") || has(b"\"kind\": \"Secret\"")) {
        return;
    }
    for caps in VALUE.captures_iter(text) {
        let v = caps.name("v").expect("group v");
        let Some(decoded) = caulk_engine::checks::base64_decode(v.as_bytes()) else {
            continue;
        };
        if decoded.len() < 8 || !super::encoded::is_text(&decoded) {
            continue;
        }
        f(v.start(), v.end(), &decoded);
    }
}
