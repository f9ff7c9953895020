//! `caulk strip`: removes what a notebook run leaves behind — outputs, execution counts and the
//! metadata that churns — and keeps everything else, written back in Jupyter's own layout
//! (one-space indent, key order and number spelling kept, non-ASCII kept, trailing newline), so
//! the diff shows only what was stripped. A notebook with nothing to strip is not rewritten.
//!
//! The defaults follow nbstripout's, except that cell ids are kept (nbstripout renumbers them
//! unless `--keep-id`) and a cell's `keep_output` metadata does not keep its outputs (an output
//! worth stripping for a secret is worth stripping everywhere).

use serde_json::{Map, Value};

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

/// Extra keys to remove, as nbstripout spells them: `metadata.a.b` (notebook metadata) or
/// `cell.metadata.a` (every cell).
#[derive(Debug, Clone, Default)]
pub struct StripOptions {
    /// Paths below the notebook's metadata.
    pub notebook_keys: Vec<Vec<String>>,
    /// Paths below each cell (`metadata.id`, …).
    pub cell_keys: Vec<Vec<String>>,
}

impl StripOptions {
    /// Parses `--extra-keys` values; each may hold several space-separated keys.
    pub fn with_extra_keys(keys: &[String]) -> Result<StripOptions, String> {
        let mut o = StripOptions::default();
        for key in keys.iter().flat_map(|k| k.split_whitespace()) {
            let mut parts: Vec<String> = key.split('.').map(str::to_string).collect();
            match parts.first().map(String::as_str) {
                Some("metadata") if parts.len() > 1 => o.notebook_keys.push(parts.split_off(1)),
                Some("cell") if parts.len() > 1 => o.cell_keys.push(parts.split_off(1)),
                _ => {
                    return Err(format!(
                        "--extra-keys: `{key}` must start with `metadata.` or `cell.`"
                    ));
                }
            }
        }
        Ok(o)
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
    if let Some(Value::Object(meta)) = obj.get_mut("metadata") {
        for k in NOTEBOOK_KEYS {
            changed |= meta.shift_remove(*k).is_some();
        }
        for path in &opts.notebook_keys {
            changed |= remove_path(meta, path);
        }
    }
    // Both lists, if a file has both: outputs left in either would pass `--check`.
    let mut cells: Vec<&mut Value> = Vec::new();
    for (key, value) in obj.iter_mut() {
        match (key.as_str(), value) {
            ("cells", Value::Array(cs)) => cells.extend(cs.iter_mut()),
            ("worksheets", Value::Array(ws)) => {
                for w in ws.iter_mut() {
                    if let Some(Value::Array(cs)) = w.get_mut("cells") {
                        cells.extend(cs.iter_mut());
                    }
                }
            }
            _ => {}
        }
    }
    for cell in cells {
        let Some(cell) = cell.as_object_mut() else {
            continue;
        };
        if let Some(Value::Array(outputs)) = cell.get_mut("outputs")
            && !outputs.is_empty()
        {
            outputs.clear();
            changed = true;
        }
        for count in ["execution_count", "prompt_number"] {
            if let Some(v) = cell.get_mut(count)
                && !v.is_null()
            {
                *v = Value::Null;
                changed = true;
            }
        }
        if let Some(Value::Object(meta)) = cell.get_mut("metadata") {
            for k in CELL_KEYS {
                changed |= meta.shift_remove(*k).is_some();
            }
        }
        for path in &opts.cell_keys {
            changed |= remove_path(cell, path);
        }
    }
    if !changed {
        return Ok(None);
    }
    Ok(Some(to_jupyter_json(&nb)))
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

/// Removes the value at `path` below `map`; whether it was there.
fn remove_path(map: &mut Map<String, Value>, path: &[String]) -> bool {
    match path {
        [] => false,
        [last] => map.shift_remove(last).is_some(),
        [first, rest @ ..] => match map.get_mut(first) {
            Some(Value::Object(inner)) => remove_path(inner, rest),
            _ => false,
        },
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
