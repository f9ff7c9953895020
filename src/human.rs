//! How caulk writes sizes and dates for people, and reads sizes from them: `1.5 MiB`,
//! `--max-file-size 10MiB`, `2026-11-24T18:43:21+01:00`. Small and pure, so every layer may use it.

/// Parses `1048576`, `512K`, `10M`, `10MiB`, `1G`, `1GB` (units are powers of 1024: the
/// `bytesize` crate would read `10M` and `1GB` as powers of 1000).
pub(crate) fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size (try 10MiB or 1048576)"))?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(format!("`{s}` has an unknown unit (use K, M or G)")),
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("`{s}` is too large"))
}

/// `1.5 MiB`, `340 B`: one decimal (indicatif's `HumanBytes` prints two, `1.50 MiB`).
pub(crate) fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    format!("{v:.1} {}", UNITS[u])
}

/// Seconds since the Unix epoch now (0 on a clock set before it).
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// `2026-11-24T18:43:21+01:00` from a git time (or a JWT's `exp`, with offset 0). By hand
/// rather than with jiff or time: those stop at year 9999 and at offsets under 26 hours, and the
/// seconds and offsets printed here come from scanned input.
pub(crate) fn iso8601(seconds: i64, offset_minutes: i32) -> String {
    let off = i64::from(offset_minutes);
    let secs = seconds + off * 60;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    let sign = if off < 0 { '-' } else { '+' };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        off.abs() / 60,
        off.abs() % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_table() {
        let ok = [
            ("0", 0),
            ("1048576", 1 << 20),
            ("512K", 512 << 10),
            ("10MiB", 10 << 20),
            ("1 GB", 1 << 30),
        ];
        for (s, want) in ok {
            assert_eq!(parse_size(s), Ok(want), "{s}");
        }
        for bad in ["", "ten", "10X", "-1", "99999999999999999999G"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn human_bytes_table() {
        for (n, want) in [
            (0, "0 B"),
            (1023, "1023 B"),
            (1024, "1.0 KiB"),
            (1536, "1.5 KiB"),
            (5 << 20, "5.0 MiB"),
        ] {
            assert_eq!(human_bytes(n), want);
        }
    }

    #[test]
    fn iso8601_table() {
        let cases = [
            (0, 0, "1970-01-01T00:00:00+00:00"),
            (1_795_545_801, 60, "2026-11-24T19:43:21+01:00"),
            (951_782_400, -300, "2000-02-28T19:00:00-05:00"),
            (1_709_164_800, 0, "2024-02-29T00:00:00+00:00"),
            // Past what jiff and time represent (years ±9999, offsets under 26 hours), and so
            // why this stays hand-written: a JWT's `exp` is input, and so is a corrupt commit's
            // `+9959` offset.
            (253_402_300_800, 0, "10000-01-01T00:00:00+00:00"),
            (0, 99 * 60 + 59, "1970-01-05T03:59:00+99:59"),
            (-62_167_219_200, 0, "0000-01-01T00:00:00+00:00"),
        ];
        for (secs, off, want) in cases {
            assert_eq!(iso8601(secs, off), want);
        }
        // any `exp` a JWT carries prints without a panic
        for secs in [i64::MAX, i64::MIN] {
            assert!(iso8601(secs, 0).ends_with("+00:00"));
        }
    }
}
