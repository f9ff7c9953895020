//! Turns the repository's `rules/*.toml` into one compact JSON document at build time, without the
//! examples (the test suite and `caulk rules --check` read those from the TOML itself), and lists
//! the files for `rules::BUILTIN` (so a new rule file needs no edit in the code). Parsing TOML at every
//! start costs about 45 µs per kilobyte; the JSON form loads several times faster, so start-up
//! stays in milliseconds as the rule pack grows. A rule file that does not parse fails the build,
//! naming the file.

use std::path::Path;

fn main() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR");
    let dir = Path::new(&manifest).join("../../rules");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("rules/ exists")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.ends_with(".toml"))
        .collect();
    names.sort();
    let mut files = Vec::new();
    for name in &names {
        let path = dir.join(name);
        println!("cargo:rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(&path).expect("readable rule file");
        let mut doc: toml::Table =
            toml::from_str(&text).unwrap_or_else(|e| panic!("rules/{name}: {e}"));
        if let Some(toml::Value::Array(rules)) = doc.get_mut("rules") {
            for rule in rules.iter_mut() {
                if let toml::Value::Table(t) = rule {
                    t.remove("examples");
                    t.remove("negative_examples");
                }
            }
        }
        let rules = serde_json::to_value(
            doc.get("rules")
                .cloned()
                .unwrap_or(toml::Value::Array(Vec::new())),
        )
        .expect("TOML converts to JSON");
        files.push(serde_json::json!({ "file": format!("rules/{name}"), "rules": rules }));
    }
    let json = serde_json::to_string(&files).expect("JSON");
    // The rule pack's version for `caulk --version`: how many rules, and a hash of what they are.
    let count: usize = files
        .iter()
        .map(|f| f["rules"].as_array().map_or(0, Vec::len))
        .sum();
    let hash = json.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    println!(
        "cargo:rustc-env=CAULK_RULE_PACK={count} rules, {:08x}",
        hash >> 32
    );
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).to_path_buf();
    std::fs::write(out.join("rules.json"), json).expect("writable OUT_DIR");
    // `rules::BUILTIN`: (name, contents) of every rule file, embedded as written.
    let mut list = String::from("&[\n");
    for name in &names {
        let abs = dir.join(name).canonicalize().expect("rule file path");
        list.push_str(&format!(
            "    ({:?}, include_str!({:?})),\n",
            format!("rules/{name}"),
            abs
        ));
    }
    list.push_str("]\n");
    std::fs::write(out.join("builtin.rs"), list).expect("writable OUT_DIR");
}
