//! `caulk strip`: removes what a notebook run leaves behind — outputs, execution counts and the
//! metadata that churns — and keeps everything else, written back in Jupyter's own layout
//! (one-space indent, key order and number spelling kept, non-ASCII kept, trailing newline), so
//! the diff shows only what was stripped. A notebook with nothing to strip is not rewritten.
//!
//! The defaults and options follow nbstripout's (`nbstripout/_utils.py`, `strip_output`):
//! `--keep-output`, `--keep-count`, `--drop-empty-cells`, the notebook's `keep_output` metadata
//! and a cell's `keep_output` metadata, `keep_output` tag or `init_cell` metadata, except that
//! cell ids are always kept (nbstripout renumbers them unless `--keep-id`). [`filter`] sets caulk
//! up as the git filter `nbstripout --install` sets up.

use std::io::{self, Read, Write};

use serde_json::{Map, Value};

pub(crate) mod filter;

/// Notebook metadata keys removed by default.
const NOTEBOOK_KEYS: &[&str] = &["signature", "widgets"];
/// Cell metadata keys removed by default.
const CELL_KEYS: &[&str] = &[
    "collapsed",
    "scrolled",
    "execution",
    "ExecuteTime",
    "heading_collapsed",
    "hidden",
];

/// What to strip and what to keep, as nbstripout's flags say it.
#[derive(Debug, Clone, Default)]
pub struct StripOptions {
    /// Extra keys below the notebook's metadata, dotted (`colab`, `a.b`).
    pub notebook_keys: Vec<String>,
    /// Extra keys below each cell, dotted (`metadata.id`, …).
    pub cell_keys: Vec<String>,
    /// `--keep-output`: keep every cell's outputs. Unset, the notebook's `keep_output` metadata
    /// decides, and then each cell's.
    pub keep_output: bool,
    /// `--keep-count`: keep execution counts (of cells and of the outputs kept).
    pub keep_count: bool,
    /// `--drop-empty-cells`: remove cells whose source is empty or only whitespace.
    pub drop_empty_cells: bool,
}

impl StripOptions {
    /// Parses `--extra-keys` values; each may hold several space-separated keys.
    pub fn with_extra_keys(keys: &[String]) -> Result<StripOptions, String> {
        let mut o = StripOptions::default();
        for key in keys.iter().flat_map(|k| k.split_whitespace()) {
            match key.split_once('.') {
                Some(("metadata", rest)) => o.notebook_keys.push(rest.to_string()),
                Some(("cell", rest)) => o.cell_keys.push(rest.to_string()),
                _ => {
                    return Err(format!(
                        "--extra-keys: `{key}` must start with `metadata.` or `cell.`"
                    ));
                }
            }
        }
        Ok(o)
    }

    /// The flags that say these options again, for the command a git filter runs.
    pub fn as_flags(&self) -> Vec<String> {
        let mut flags = Vec::new();
        for (on, flag) in [
            (self.keep_output, "--keep-output"),
            (self.keep_count, "--keep-count"),
            (self.drop_empty_cells, "--drop-empty-cells"),
        ] {
            if on {
                flags.push(flag.to_string());
            }
        }
        let keys: Vec<String> = (self.notebook_keys.iter().map(|k| format!("metadata.{k}")))
            .chain(self.cell_keys.iter().map(|k| format!("cell.{k}")))
            .collect();
        if !keys.is_empty() {
            flags.push("--extra-keys".into());
            flags.push(keys.join(" "));
        }
        flags
    }
}

/// Strips the notebook `text`. `Ok(None)`: nothing to strip. `Err`: not a notebook (why).
pub fn strip(text: &str, opts: &StripOptions) -> Result<Option<String>, String> {
    let mut nb: Value = serde_json::from_str(text).map_err(|e| {
        format!("not a valid notebook: {e}; fix the JSON or open and save it in Jupyter")
    })?;
    let Some(obj) = nb.as_object_mut() else {
        return Err("not a notebook: the top level is not an object".into());
    };
    if !obj.contains_key("nbformat") {
        return Err("not a notebook: no `nbformat`".into());
    }
    check_shape(obj)?;
    let mut changed = false;
    // As nbstripout: `--keep-output` wins; unset, the notebook's `keep_output` metadata (read
    // before any extra key is removed) is the default of every cell.
    let keep_default = opts.keep_output
        || obj
            .get("metadata")
            .and_then(|m| m.get("keep_output"))
            .is_some_and(truthy);
    if let Some(Value::Object(meta)) = obj.get_mut("metadata") {
        for k in NOTEBOOK_KEYS {
            changed |= meta.shift_remove(*k).is_some();
        }
        for key in &opts.notebook_keys {
            changed |= pop_recursive(meta, key);
        }
    }
    // Both lists, if a file has both: outputs left in either would pass `--check`.
    let mut lists: Vec<(String, &mut Vec<Value>)> = Vec::new();
    for (key, value) in obj.iter_mut() {
        match (key.as_str(), value) {
            ("cells", Value::Array(cs)) => lists.push((String::new(), cs)),
            ("worksheets", Value::Array(ws)) => {
                for (wi, w) in ws.iter_mut().enumerate() {
                    if let Some(Value::Array(cs)) = w.get_mut("cells") {
                        lists.push((format!("worksheet {}, ", wi + 1), cs));
                    }
                }
            }
            _ => {}
        }
    }
    for (sheet, cells) in lists {
        for (i, mut cell) in std::mem::take(cells).into_iter().enumerate() {
            if opts.drop_empty_cells && is_empty_cell(&cell) {
                changed = true;
                continue;
            }
            if let Some(c) = cell.as_object_mut() {
                let keep = keep_output(c, keep_default)
                    .map_err(|e| format!("{sheet}cell {}: {e}", i + 1))?;
                changed |= strip_cell(c, keep, opts);
            }
            cells.push(cell);
        }
    }
    if !changed {
        return Ok(None);
    }
    Ok(Some(to_jupyter_json(&nb)))
}

/// The git filter's way (`caulk strip` with no PATH, or `-`): the notebook on stdin, stripped,
/// to stdout; unchanged when there is nothing to strip. What is not a notebook fails, named as
/// `<stdin>`, with nothing on stdout (as nbstripout: git then stages nothing half-stripped).
/// With `check`, only the verdict is written; returns whether `check` found something to strip.
pub(crate) fn stdin_to_stdout(
    opts: &StripOptions,
    check: bool,
    limit: u64,
) -> anyhow::Result<bool> {
    use anyhow::{Context, anyhow, bail};
    let mut input = Vec::new();
    io::stdin()
        .lock()
        .take(limit + 1)
        .read_to_end(&mut input)
        .context("<stdin>: cannot read")?;
    if input.len() as u64 > limit {
        bail!("<stdin>: larger than {limit} bytes; not a notebook caulk strips");
    }
    let text = String::from_utf8(input).map_err(|e| {
        anyhow!(
            "<stdin>: not a valid notebook: not UTF-8 (byte {})",
            e.utf8_error().valid_up_to()
        )
    })?;
    let new = strip(&text, opts).map_err(|e| anyhow!("<stdin>: {e}"))?;
    if check {
        if new.is_some() {
            println!("caulk: <stdin>: outputs or metadata to strip");
        }
        return Ok(new.is_some());
    }
    let mut out = io::stdout().lock();
    match out
        .write_all(new.as_deref().unwrap_or(&text).as_bytes())
        .and_then(|_| out.flush())
    {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e).context("cannot write stdout"),
        // Stripped and written: the filter succeeded.
        _ => Ok(false),
    }
}

/// Strips one cell; whether anything changed.
fn strip_cell(cell: &mut Map<String, Value>, keep: bool, opts: &StripOptions) -> bool {
    let mut changed = false;
    if let Some(Value::Array(outputs)) = cell.get_mut("outputs") {
        if !keep && !outputs.is_empty() {
            outputs.clear();
            changed = true;
        }
        // The outputs kept lose their counts too, unless `--keep-count`.
        if !opts.keep_count {
            for out in outputs.iter_mut() {
                if let Some(v) = out.get_mut("execution_count")
                    && !v.is_null()
                {
                    *v = Value::Null;
                    changed = true;
                }
            }
        }
    }
    if !opts.keep_count {
        for count in ["execution_count", "prompt_number"] {
            if let Some(v) = cell.get_mut(count)
                && !v.is_null()
            {
                *v = Value::Null;
                changed = true;
            }
        }
    }
    if let Some(Value::Object(meta)) = cell.get_mut("metadata") {
        for k in CELL_KEYS {
            changed |= meta.shift_remove(*k).is_some();
        }
    }
    for key in &opts.cell_keys {
        changed |= pop_recursive(cell, key);
    }
    changed
}

/// Whether a cell keeps its outputs (nbstripout's `determine_keep_output`): `init_cell`
/// metadata decides if present; else `keep_output` metadata or a `keep_output` tag keeps them;
/// else the default. `keep_output: false` with a `keep_output` tag is a contradiction, refused
/// as nbstripout refuses it.
fn keep_output(cell: &Map<String, Value>, default: bool) -> Result<bool, String> {
    let Some(Value::Object(meta)) = cell.get("metadata") else {
        return Ok(default);
    };
    if let Some(init) = meta.get("init_cell") {
        return Ok(truthy(init));
    }
    let by_meta = meta.get("keep_output");
    // Python's `in` on whatever `tags` holds: a list's items, a string's text, an object's keys.
    let by_tag = match meta.get("tags") {
        None => false,
        Some(Value::Array(tags)) => tags.iter().any(|t| t == "keep_output"),
        Some(Value::String(s)) => s.contains("keep_output"),
        Some(Value::Object(o)) => o.contains_key("keep_output"),
        Some(other) => {
            return Err(format!(
                "its `tags` metadata is {}, not a list; fix the file or open and save it in Jupyter",
                json_type(other)
            ));
        }
    };
    match by_meta {
        Some(v) if by_tag && !truthy(v) => Err(
            "its metadata says `keep_output` is false but its tags hold `keep_output`; \
             remove one of the two"
                .into(),
        ),
        Some(v) => Ok(truthy(v) || by_tag),
        None if by_tag => Ok(true),
        None => Ok(default),
    }
}

/// Whether a cell's source is empty or only whitespace (`--drop-empty-cells`): a missing
/// source is empty, as nbstripout reads it; a source of another type is kept.
fn is_empty_cell(cell: &Value) -> bool {
    // nbformat 3 code cells keep their source under `input` (nbstripout reads only `source`
    // and would drop every one of them: caulk does not drop code).
    let source = cell.get("source").or_else(|| cell.get("input"));
    let blank = |s: &str| s.chars().all(py_space);
    match source {
        None => true,
        Some(Value::String(s)) => blank(s),
        Some(Value::Array(lines)) => lines.iter().all(|l| l.as_str().is_some_and(blank)),
        Some(_) => false,
    }
}

/// Python's `str.isspace` for one character (what `str.strip` removes): Unicode white space
/// and the information separators U+001C–U+001F.
fn py_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Python's truth of a JSON value (`bool(...)`): `false`, `null`, `0`, `""`, `[]` and `{}` are
/// false; so `"false"` is true, as nbstripout reads it.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// Refuses a notebook whose lists of cells, worksheets or outputs (or a cell, worksheet or
/// metadata) have the wrong JSON type: strip would find nothing to remove there and `--check`
/// would pass a file whose outputs it never looked at.
fn check_shape(nb: &Map<String, Value>) -> Result<(), String> {
    let wrong = |what: &str, want: &str, v: &Value| {
        Err(format!(
            "not a notebook caulk can strip: {what} is {}, not {want}; fix the file or open and save it in Jupyter",
            json_type(v)
        ))
    };
    if !nb.contains_key("cells") && !nb.contains_key("worksheets") {
        return Err("not a notebook: no `cells` (or nbformat 3 `worksheets`)".into());
    }
    if let Some(m) = nb.get("metadata").filter(|m| !m.is_object()) {
        return wrong("`metadata`", "an object", m);
    }
    let mut cells: Vec<(String, &Value)> = Vec::new();
    match nb.get("cells") {
        Some(Value::Array(cs)) => cells.extend(
            cs.iter()
                .enumerate()
                .map(|(i, c)| (format!("cell {}", i + 1), c)),
        ),
        Some(other) => return wrong("`cells`", "a list", other),
        None => {}
    }
    match nb.get("worksheets") {
        Some(Value::Array(ws)) => {
            for (wi, w) in ws.iter().enumerate() {
                let sheet = format!("worksheet {}", wi + 1);
                let Some(w) = w.as_object() else {
                    return wrong(&sheet, "an object", w);
                };
                match w.get("cells") {
                    Some(Value::Array(cs)) => cells.extend(
                        cs.iter()
                            .enumerate()
                            .map(|(i, c)| (format!("{sheet}, cell {}", i + 1), c)),
                    ),
                    Some(other) => return wrong(&format!("`cells` of {sheet}"), "a list", other),
                    None => {}
                }
            }
        }
        Some(other) => return wrong("`worksheets`", "a list", other),
        None => {}
    }
    for (name, cell) in cells {
        let Some(cell) = cell.as_object() else {
            return wrong(&name, "an object", cell);
        };
        if let Some(o) = cell.get("outputs").filter(|o| !o.is_array()) {
            return wrong(&format!("`outputs` of {name}"), "a list", o);
        }
        if let Some(m) = cell.get("metadata").filter(|m| !m.is_object()) {
            return wrong(&format!("`metadata` of {name}"), "an object", m);
        }
    }
    Ok(())
}

/// How a JSON type is called in an error.
fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Removes `key` below `map` as nbstripout's `pop_recursive` does: the whole dotted key if
/// `map` has it, else its first part and the rest below that; whether anything was removed.
fn pop_recursive(map: &mut Map<String, Value>, key: &str) -> bool {
    if map.shift_remove(key).is_some() {
        return true;
    }
    match key.split_once('.') {
        Some((head, tail)) => match map.get_mut(head) {
            Some(Value::Object(inner)) => pop_recursive(inner, tail),
            _ => false,
        },
        None => false,
    }
}

/// JSON as nbformat writes it: one-space indent, `": "` after keys, trailing newline.
pub fn to_jupyter_json(v: &Value) -> String {
    let mut out = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b" ");
    let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
    serde::Serialize::serialize(v, &mut ser).expect("serializing a Value to memory cannot fail");
    out.push(b'\n');
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NB: &str = r#"{
 "cells": [
  {
   "cell_type": "code",
   "execution_count": 3,
   "id": "a1",
   "metadata": {
    "collapsed": false,
    "colab": {
     "id": "x"
    },
    "scrolled": true,
    "tags": []
   },
   "outputs": [
    {
     "name": "stdout",
     "output_type": "stream",
     "text": [
      "lr 1e-05 é\n"
     ]
    }
   ],
   "source": [
    "print(lr)"
   ]
  }
 ],
 "metadata": {
  "version": 1.10,
  "widgets": {}
 },
 "nbformat": 4,
 "nbformat_minor": 5
}
"#;

    #[test]
    fn strips_outputs_counts_and_churn_keeping_layout() {
        let out = strip(NB, &StripOptions::default()).unwrap().unwrap();
        let want = NB
            .replace("\"execution_count\": 3", "\"execution_count\": null")
            .replace("    \"collapsed\": false,\n", "")
            .replace(",\n    \"scrolled\": true", "")
            .replace(
                "[\n    {\n     \"name\": \"stdout\",\n     \"output_type\": \"stream\",\n     \"text\": [\n      \"lr 1e-05 é\\n\"\n     ]\n    }\n   ]",
                "[]",
            )
            .replace(",\n  \"widgets\": {}", "");
        assert_eq!(out, want);
        // idempotent, and a stripped notebook is left alone
        assert_eq!(strip(&out, &StripOptions::default()).unwrap(), None);
    }

    #[test]
    fn extra_keys_reach_nested_metadata() {
        let opts =
            StripOptions::with_extra_keys(&["cell.metadata.colab.id metadata.version".into()])
                .unwrap();
        let out = strip(NB, &opts).unwrap().unwrap();
        assert!(
            !out.contains("\"version\"") && !out.contains("\"x\""),
            "{out}"
        );
        assert!(out.contains("\"colab\": {}"));
        assert!(StripOptions::with_extra_keys(&["foo.bar".into()]).is_err());
    }

    /// A notebook of code cells, each with `metadata` as given, one output with a count, and a
    /// count of its own.
    fn cells(nb_meta: &str, metas: &[&str]) -> String {
        let cells: Vec<String> = metas
            .iter()
            .map(|m| {
                format!(
                    r#"{{"cell_type": "code", "execution_count": 1, "metadata": {m}, "outputs": [{{"execution_count": 1, "output_type": "execute_result", "data": {{"text/plain": "1"}}, "metadata": {{}}}}], "source": "1"}}"#
                )
            })
            .collect();
        format!(
            r#"{{"cells": [{}], "metadata": {nb_meta}, "nbformat": 4, "nbformat_minor": 5}}"#,
            cells.join(", ")
        )
    }

    /// Per cell: whether it kept its output.
    fn kept(text: &str, opts: &StripOptions) -> Vec<bool> {
        let out = strip(text, opts)
            .unwrap()
            .unwrap_or_else(|| text.to_string());
        let v: Value = serde_json::from_str(&out).unwrap();
        v["cells"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| !c["outputs"].as_array().unwrap().is_empty())
            .collect()
    }

    #[test]
    fn keep_output_is_read_as_nbstripout_reads_it() {
        let none = StripOptions::default();
        let metas = [
            "{}",
            r#"{"keep_output": true}"#,
            r#"{"keep_output": false}"#,
            r#"{"tags": ["keep_output"]}"#,
            r#"{"tags": ["other"]}"#,
            r#"{"init_cell": true, "keep_output": false}"#,
            r#"{"init_cell": false, "keep_output": true}"#,
            r#"{"keep_output": "false"}"#,
            r#"{"keep_output": 0}"#,
        ];
        let want = [false, true, false, true, false, true, false, true, false];
        assert_eq!(kept(&cells("{}", &metas), &none), want);
        // The notebook's keep_output is every cell's default; the cell's own still wins.
        let want_nb = [true, true, false, true, true, true, false, true, false];
        assert_eq!(
            kept(&cells(r#"{"keep_output": true}"#, &metas), &none),
            want_nb
        );
        assert_eq!(kept(&cells(r#"{"keep_output": 0}"#, &metas), &none), want);
        // --keep-output: the default is to keep; the cells' false still strips.
        let all = StripOptions {
            keep_output: true,
            ..StripOptions::default()
        };
        assert_eq!(kept(&cells("{}", &metas), &all), want_nb);
        // A kept output loses its count unless --keep-count.
        let out = strip(&cells("{}", &[r#"{"keep_output": true}"#]), &none)
            .unwrap()
            .unwrap();
        let v: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["cells"][0]["outputs"][0]["execution_count"], Value::Null);
        assert_eq!(v["cells"][0]["execution_count"], Value::Null);
    }

    #[test]
    fn contradicting_keep_output_is_refused_by_cell() {
        let text = cells(
            "{}",
            &["{}", r#"{"keep_output": false, "tags": ["keep_output"]}"#],
        );
        let err = strip(&text, &StripOptions::default()).unwrap_err();
        assert!(
            err.starts_with("cell 2: its metadata says `keep_output` is false"),
            "{err}"
        );
        let tags = cells("{}", &[r#"{"tags": 3}"#]);
        let err = strip(&tags, &StripOptions::default()).unwrap_err();
        assert!(
            err.contains("cell 1: its `tags` metadata is a number"),
            "{err}"
        );
    }

    #[test]
    fn keep_count_keeps_counts_of_cells_and_kept_outputs() {
        let opts = StripOptions {
            keep_count: true,
            ..StripOptions::default()
        };
        let text = cells("{}", &["{}", r#"{"keep_output": true}"#]);
        let v: Value = serde_json::from_str(&strip(&text, &opts).unwrap().unwrap()).unwrap();
        assert_eq!(v["cells"][0]["execution_count"], 1);
        assert_eq!(v["cells"][0]["outputs"], json!([]));
        assert_eq!(v["cells"][1]["outputs"][0]["execution_count"], 1);
        // Nothing else to strip with --keep-output --keep-count: left alone.
        let both = StripOptions {
            keep_output: true,
            keep_count: true,
            ..StripOptions::default()
        };
        assert_eq!(strip(&text, &both).unwrap(), None);
    }

    #[test]
    fn drop_empty_cells_drops_blank_sources_only() {
        let nb = r#"{"cells": [
            {"cell_type": "code", "metadata": {}, "outputs": [], "source": ""},
            {"cell_type": "markdown", "metadata": {}, "source": [" \n", "\t"]},
            {"cell_type": "code", "metadata": {}, "outputs": [], "source": ["\n", "x = 1"]},
            {"cell_type": "raw", "metadata": {}, "source": "\u001f\u00a0"},
            {"cell_type": "raw", "metadata": {}}
        ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}"#;
        let opts = StripOptions {
            drop_empty_cells: true,
            ..StripOptions::default()
        };
        let v: Value = serde_json::from_str(&strip(nb, &opts).unwrap().unwrap()).unwrap();
        assert_eq!(v["cells"].as_array().unwrap().len(), 1);
        assert_eq!(v["cells"][0]["source"][1], "x = 1");
        assert_eq!(strip(nb, &StripOptions::default()).unwrap(), None);
        // nbformat 3: a code cell's source is its `input`, and is kept.
        let v3 = r#"{"nbformat": 3, "worksheets": [{"cells": [
            {"cell_type": "code", "input": "x = 1", "outputs": []},
            {"cell_type": "markdown", "source": " "}]}]}"#;
        let v: Value = serde_json::from_str(&strip(v3, &opts).unwrap().unwrap()).unwrap();
        assert_eq!(v["worksheets"][0]["cells"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn extra_keys_pop_a_dotted_key_whole_first() {
        let nb = r#"{"cells": [], "metadata": {"a.b": 1, "a": {"b": 2, "c": 3}}, "nbformat": 4}"#;
        let opts = StripOptions::with_extra_keys(&["metadata.a.b".into()]).unwrap();
        let v: Value = serde_json::from_str(&strip(nb, &opts).unwrap().unwrap()).unwrap();
        assert_eq!(v["metadata"], json!({"a": {"b": 2, "c": 3}}));
        let v: Value =
            serde_json::from_str(&strip(&to_jupyter_json(&v), &opts).unwrap().unwrap()).unwrap();
        assert_eq!(v["metadata"], json!({"a": {"c": 3}}));
        assert_eq!(
            opts.as_flags(),
            ["--extra-keys", "metadata.a.b"],
            "the filter's command says them again"
        );
    }

    #[test]
    fn not_notebooks_are_refused() {
        assert!(
            strip("{\"cells\": [", &StripOptions::default())
                .unwrap_err()
                .starts_with("not a valid notebook")
        );
        assert!(strip("[]", &StripOptions::default()).is_err());
        assert!(
            strip("{\"cells\": []}", &StripOptions::default())
                .unwrap_err()
                .contains("nbformat")
        );
    }

    #[test]
    fn lists_of_the_wrong_type_are_refused_by_name() {
        let cases = [
            (
                r#"{"cells": {"0": {"outputs": [1]}}, "nbformat": 4}"#,
                "`cells` is an object, not a list",
            ),
            (r#"{"nbformat": 4}"#, "no `cells`"),
            (
                r#"{"worksheets": {}, "nbformat": 3}"#,
                "`worksheets` is an object, not a list",
            ),
            (
                r#"{"worksheets": [{"cells": "x"}], "nbformat": 3}"#,
                "`cells` of worksheet 1 is a string, not a list",
            ),
            (
                r#"{"worksheets": [[]], "nbformat": 3}"#,
                "worksheet 1 is a list, not an object",
            ),
            (
                r#"{"cells": [{"outputs": []}, {"outputs": {"a": 1}}], "nbformat": 4}"#,
                "`outputs` of cell 2 is an object, not a list",
            ),
            (
                r#"{"cells": [{"outputs": null}], "nbformat": 4}"#,
                "`outputs` of cell 1 is null, not a list",
            ),
            (
                r#"{"cells": [3], "nbformat": 4}"#,
                "cell 1 is a number, not an object",
            ),
            (
                r#"{"cells": [], "metadata": [], "nbformat": 4}"#,
                "`metadata` is a list, not an object",
            ),
        ];
        for (nb, want) in cases {
            let err = strip(nb, &StripOptions::default()).unwrap_err();
            assert!(err.contains(want), "{nb}: {err}");
        }
        // both lists: the worksheets' outputs are stripped too
        let both = r#"{"cells": [], "worksheets": [{"cells": [{"outputs": [{"text": "x"}]}]}], "nbformat": 4}"#;
        let out = strip(both, &StripOptions::default()).unwrap().unwrap();
        assert!(out.contains("\"outputs\": []"), "{out}");
    }
}
