//! Packaging: `.github/workflows/release.yml` builds a wheel and a standalone binary for every
//! platform, publishes to PyPI only from a `v*` tag and only from a job that may mint an OIDC
//! token; its `archive` step packs a binary that runs; the wheel's metadata in `pyproject.toml`
//! is what a package index shows; the GitLab job installs the wheel instead of compiling.
//!
//! The workflow is read with PyYAML (a YAML parser is not a dependency of caulk): CAULK_PYYAML
//! names the interpreter that has it (default `python3`). Without it the workflow tests say they
//! skipped; `.ci/run` sets CAULK_REQUIRE_PYYAML=1 so a missing PyYAML fails there.

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use sha2::{Digest, Sha256};
use tempfile::TempDir;

use crate::util::*;

/// Every platform the release builds: Rust target triple, manylinux setting (empty off Linux).
const TARGETS: [(&str, &str); 7] = [
    ("x86_64-unknown-linux-gnu", "2014"),
    ("aarch64-unknown-linux-gnu", "2014"),
    ("x86_64-unknown-linux-musl", "musllinux_1_2"),
    ("aarch64-unknown-linux-musl", "musllinux_1_2"),
    ("x86_64-apple-darwin", ""),
    ("aarch64-apple-darwin", ""),
    ("x86_64-pc-windows-msvc", ""),
];

/// The interpreter that has PyYAML, or why the test is skipped.
fn pyyaml() -> Option<String> {
    external_tool(
        "CAULK_PYYAML",
        "python3",
        &["-c", "import yaml"],
        "CAULK_REQUIRE_PYYAML",
        "PyYAML",
    )
}

/// release.yml as JSON, read by PyYAML; YAML 1.1 reads the key `on` as `true`, put back here.
fn workflow(python: &str) -> Value {
    let out = Command::new(python)
        .args([
            "-c",
            "import json, sys, yaml\n\
             d = yaml.safe_load(open(sys.argv[1], encoding='utf-8'))\n\
             d['on'] = d.pop(True, d.get('on'))\n\
             json.dump(d, sys.stdout)",
        ])
        .arg(root().join(".github/workflows/release.yml"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "release.yml is not YAML: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The `uses:` of every step of a job.
fn uses(job: &Value) -> Vec<&str> {
    job["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["uses"].as_str())
        .collect()
}

/// The `run:` scripts of a job, joined.
fn runs(job: &Value) -> String {
    job["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_release_workflow_builds_every_platform_and_publishes_only_from_a_tag() {
    let Some(python) = pyyaml() else { return };
    let w = workflow(&python);

    // Triggered by a `v*` tag (and by hand, which publishes nothing); never by a branch push.
    assert_eq!(w["on"]["push"]["tags"], serde_json::json!(["v*"]), "{w:#}");
    assert!(w["on"]["push"].get("branches").is_none());
    assert!(w["on"].get("pull_request").is_none());
    assert_eq!(w["permissions"], serde_json::json!({"contents": "read"}));

    // One wheel per platform, each by maturin-action with its manylinux/musllinux setting.
    let wheels = &w["jobs"]["wheels"];
    let matrix = wheels["strategy"]["matrix"]["include"].as_array().unwrap();
    let built: Vec<(&str, &str)> = matrix
        .iter()
        .map(|m| {
            (
                m["target"].as_str().unwrap(),
                m["manylinux"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(built, TARGETS);
    for m in matrix {
        let runner = m["runner"].as_str().unwrap();
        let target = m["target"].as_str().unwrap();
        let os = if target.contains("linux") {
            "ubuntu"
        } else if target.contains("apple") {
            "macos"
        } else {
            "windows"
        };
        assert!(runner.starts_with(os), "{target} built on {runner}");
    }
    assert!(uses(wheels).contains(&"PyO3/maturin-action@v1"));
    let build = wheels["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["uses"] == "PyO3/maturin-action@v1")
        .unwrap();
    assert_eq!(build["with"]["manylinux"], "${{ matrix.manylinux }}");
    let args = build["with"]["args"].as_str().unwrap();
    assert!(
        args.contains("--release") && args.contains("--locked"),
        "{args}"
    );
    // the standalone binaries, one artifact per target, as the Action downloads them
    assert!(
        wheels["steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["with"]["name"] == "binaries-${{ matrix.target }}")
    );

    // The sdist, and `twine check` over everything before anything is published.
    let sdist = &w["jobs"]["sdist"];
    assert!(
        sdist["steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["uses"] == "PyO3/maturin-action@v1" && s["with"]["command"] == "sdist")
    );
    let check = &w["jobs"]["check"];
    assert_eq!(check["needs"], serde_json::json!(["wheels", "sdist"]));
    assert!(runs(check).contains("twine check --strict dist/*"));
    for tag in [
        "manylinux_2_17_x86_64",
        "manylinux_2_17_aarch64",
        "musllinux_1_2_x86_64",
    ] {
        assert!(runs(check).contains(tag), "check does not require {tag}");
    }

    // Trusted publishing: the publish job alone may mint the OIDC token, only from a tag push,
    // only after the checks.
    let tag_only = "${{ github.event_name == 'push' && startsWith(github.ref, 'refs/tags/v') }}";
    let publish = &w["jobs"]["publish"];
    assert_eq!(publish["if"], tag_only);
    assert_eq!(publish["needs"], serde_json::json!(["check"]));
    assert_eq!(
        publish["permissions"],
        serde_json::json!({"id-token": "write"})
    );
    assert_eq!(publish["environment"]["name"], "pypi");
    assert_eq!(
        uses(publish).last(),
        Some(&"pypa/gh-action-pypi-publish@release/v1")
    );
    for (name, job) in w["jobs"].as_object().unwrap() {
        if name != "publish" {
            assert!(
                job["permissions"].get("id-token").is_none(),
                "{name} may mint an OIDC token"
            );
        }
        // no job but the two publishing ones writes anything
        if name != "publish" && name != "github-release" {
            assert!(job.get("permissions").is_none(), "{name}: {job:#}");
        }
    }

    // The GitHub release: the binaries and their sha256 files, from a tag only.
    let release = &w["jobs"]["github-release"];
    assert_eq!(release["if"], tag_only);
    assert_eq!(
        release["permissions"],
        serde_json::json!({"contents": "write"})
    );
    let script = runs(release);
    assert!(script.contains("sha256sum -c"), "{script}");
    assert!(
        script.contains("gh release create \"$TAG\" bin/*"),
        "{script}"
    );
}

/// A wheel as maturin lays one out for `bindings = "bin"`, its script `exe` a two-line launcher
/// of the caulk under test (the real 80 MB debug binary would make the test slow; `.ci/run`
/// packs the real wheel); returns the launcher's bytes.
fn fake_wheel(python: &str, dist: &Path, exe: &str) -> Vec<u8> {
    std::fs::create_dir_all(dist).unwrap();
    let launcher = format!("#!/bin/sh\nexec '{}' \"$@\"\n", env!("CARGO_BIN_EXE_caulk"));
    let script = dist.join(exe);
    std::fs::write(&script, &launcher).unwrap();
    let out = Command::new(python)
        .args([
            "-c",
            "import sys, zipfile\n\
             with zipfile.ZipFile(sys.argv[1], 'w') as z:\n\
             \x20   z.write(sys.argv[2], 'caulk-0.1.0.data/scripts/' + sys.argv[3])\n\
             \x20   z.writestr('caulk-0.1.0.dist-info/METADATA', 'Name: caulk\\n')",
        ])
        .arg(dist.join("caulk-0.1.0-py3-none-any.whl"))
        .arg(&script)
        .arg(exe)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    std::fs::remove_file(script).unwrap();
    launcher.into_bytes()
}

/// Runs release.yml's `archive` step in `dir` (a `dist/` with one wheel) for `triple`.
fn archive_step(python: &str, dir: &Path, triple: &str) {
    let w = workflow(python);
    let step = w["jobs"]["wheels"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "archive")
        .expect("the archive step");
    assert_eq!(step["shell"], "python");
    let out = Command::new(python)
        .current_dir(dir)
        .env("TRIPLE", triple)
        .args(["-c", step["run"].as_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
}

/// Checks `NAME.sha256` beside `NAME` in `sha256sum -c` form, returns the archive's bytes.
fn checked(bin: &Path, name: &str) -> Vec<u8> {
    let bytes = std::fs::read(bin.join(name)).unwrap();
    let sum = std::fs::read_to_string(bin.join(format!("{name}.sha256"))).unwrap();
    let hex: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(sum, format!("{hex}  {name}\n"));
    bytes
}

#[test]
fn the_archive_step_packs_a_binary_that_runs_with_its_sha256() {
    let Some(python) = pyyaml() else { return };

    // Unix: caulk-TRIPLE.tar.gz holding an executable `caulk`.
    let dir = TempDir::new().unwrap();
    let launcher = fake_wheel(&python, &dir.path().join("dist"), "caulk");
    archive_step(&python, dir.path(), "x86_64-unknown-linux-musl");
    let bin = dir.path().join("bin");
    checked(&bin, "caulk-x86_64-unknown-linux-musl.tar.gz");
    let x = dir.path().join("x");
    std::fs::create_dir(&x).unwrap();
    let tar = Command::new("tar")
        .arg("xzf")
        .arg(bin.join("caulk-x86_64-unknown-linux-musl.tar.gz"))
        .arg("-C")
        .arg(&x)
        .output()
        .unwrap();
    assert!(tar.status.success(), "{}", output_text(&tar));
    let names: Vec<_> = std::fs::read_dir(&x)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["caulk"]);
    assert_eq!(std::fs::read(x.join("caulk")).unwrap(), launcher);
    let out = Command::new(x.join("caulk"))
        .args(["scan", "fixtures/demo", "-q"])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", output_text(&out));

    // Windows: caulk-TRIPLE.zip holding `caulk.exe`, the wheel's bytes unchanged.
    let dir = TempDir::new().unwrap();
    let launcher = fake_wheel(&python, &dir.path().join("dist"), "caulk.exe");
    archive_step(&python, dir.path(), "x86_64-pc-windows-msvc");
    let bin = dir.path().join("bin");
    checked(&bin, "caulk-x86_64-pc-windows-msvc.zip");
    let listed = Command::new(&python)
        .args([
            "-c",
            "import hashlib, sys, zipfile\n\
             z = zipfile.ZipFile(sys.argv[1])\n\
             print(z.namelist(), hashlib.sha256(z.read('caulk.exe')).hexdigest())",
        ])
        .arg(bin.join("caulk-x86_64-pc-windows-msvc.zip"))
        .output()
        .unwrap();
    let hex: String = Sha256::digest(&launcher)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        String::from_utf8_lossy(&listed.stdout),
        format!("['caulk.exe'] {hex}\n"),
        "{}",
        output_text(&listed)
    );
}

#[test]
fn the_wheel_metadata_names_the_project_and_its_platforms() {
    let text = std::fs::read_to_string(root().join("pyproject.toml")).unwrap();
    let p: toml::Table = toml::from_str(&text).unwrap();
    let project = p["project"].as_table().unwrap();
    assert_eq!(
        project["readme"]["content-type"].as_str(),
        Some("text/markdown")
    );
    let urls = project["urls"].as_table().unwrap();
    for key in ["Homepage", "Repository", "Issues", "Changelog"] {
        let url = urls[key].as_str().unwrap();
        assert!(
            url.starts_with("https://github.com/example-org/caulk"),
            "{key} = {url}"
        );
    }
    let classifiers: Vec<&str> = project["classifiers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for c in [
        "Programming Language :: Python :: 3 :: Only",
        "Operating System :: POSIX :: Linux",
        "Operating System :: MacOS",
        "Operating System :: Microsoft :: Windows",
    ] {
        assert!(classifiers.contains(&c), "{c} missing: {classifiers:?}");
    }
    // no licence is claimed while the repository has no licence file
    let licensed = ["LICENSE", "LICENSE.md", "LICENSE.txt", "COPYING"]
        .iter()
        .any(|f| root().join(f).exists());
    assert_eq!(project.contains_key("license"), licensed);
    assert_eq!(
        classifiers.iter().any(|c| c.starts_with("License ::")),
        licensed
    );
    assert_eq!(p["tool"]["maturin"]["bindings"].as_str(), Some("bin"));
}

#[test]
fn the_gitlab_job_installs_the_wheel_instead_of_compiling() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme.find("**GitLab CI**").expect("the GitLab section");
    let block = &readme[start..];
    let block = &block[block.find("```yaml\n").unwrap()..];
    let block = &block[..block[8..].find("```").unwrap() + 8];
    assert!(block.contains("image: python:3.12"), "{block}");
    assert!(block.contains("- pip install caulk\n"), "{block}");
    assert!(!block.contains("cargo"), "{block}");
    assert!(
        block.contains("--color always --report junit=caulk-junit.xml"),
        "{block}"
    );
}
