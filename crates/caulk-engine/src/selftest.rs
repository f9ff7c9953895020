//! The rule self-test: every rule's regex compiles, and its examples and negative examples go
//! through the whole engine (prefilter and filters included) with the result they promise. Kept
//! apart from the schema so that rules are data the engine reads, and the engine alone runs them.

use crate::engine::Engine;
use crate::rules::Ruleset;

impl Ruleset {
    /// Compiles every regex and runs every rule's examples through the whole engine (prefilter
    /// and filters included). Returns one message per failure.
    pub fn check(&self) -> Vec<String> {
        let engine = Engine::new(self.clone());
        let mut failures = Vec::new();
        for (idx, rule) in self.rules.iter().enumerate() {
            let o = rule.origin();
            if let Err(e) = engine.compiled(idx) {
                failures.push(e.to_string());
                continue;
            }
            for ex in &rule.examples {
                match engine.scan_path(ex.text.as_bytes(), ex.path.as_deref()) {
                    Err(e) => failures.push(e.to_string()),
                    Ok(ms) => {
                        // A file rule's match merged into a provider's (one finding per
                        // secret) is still the file rule's finding.
                        let mine: Vec<_> = ms
                            .iter()
                            .filter(|m| m.rule == idx || m.also == Some(idx))
                            .collect();
                        let got: Vec<_> = mine
                            .iter()
                            .map(|m| String::from_utf8_lossy(&ex.text.as_bytes()[m.start..m.end]))
                            .collect();
                        if got.len() != 1 || got[0] != ex.secret {
                            failures.push(format!(
                                "{o}: example {:?} should yield exactly {:?}, got {:?}",
                                ex.text, ex.secret, got
                            ));
                        } else if let Some(want) = ex.confidence
                            && mine[0].confidence != want
                        {
                            failures.push(format!(
                                "{o}: example {:?} should have confidence {want}, got {}",
                                ex.text, mine[0].confidence
                            ));
                        }
                    }
                }
            }
            for neg in &rule.negative_examples {
                let (text, path) = neg.parts();
                if let Ok(ms) = engine.scan_path(text.as_bytes(), path)
                    && ms.iter().any(|m| m.rule == idx || m.also == Some(idx))
                {
                    failures.push(format!("{o}: negative example {text:?} fired"));
                }
            }
        }
        failures
    }
}
