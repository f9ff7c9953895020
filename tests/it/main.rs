//! caulk's integration tests, in one binary (one build, one link): each module is one subject,
//! run against the real `caulk` binary, real files and real git repositories in temp dirs.
//!
//! Run one subject with a filter: `cargo test --test it notebooks::`.

/// Helpers every module shares: the binary, report parsing, temp trees, git, fake keys.
mod util;

/// The GitHub Action's script on a real remote and a recorded pull-request event.
mod action;
/// Baselines: accept what is there, block what is new; stale entries reported and pruned.
mod baseline;
/// Binary files and ignored paths: counted, and tracked or pickled secrets still reported.
mod binary_and_ignored;
/// A token after an escape sequence is found; a token glued to a word is not.
mod boundaries;
/// Size limits and hostile shapes (minified lines, deep nesting) read whole or named.
mod bounded;
/// `--version`, `caulk explain`, completions and the man page.
mod cli;
/// Colour in the text report: when it is on, its exact escapes, and when it is never on.
mod color;
/// The configuration file: discovery, strictness, custom rules, allowlists, scan defaults.
mod config;
/// docs/coverage.md, the gitleaks-to-caulk rule map: every gitleaks id has a row, every caulk id exists.
mod coverage;
/// Daily use: fixes that fit the mode, the summary on stderr, `caulk ignore`.
mod daily;
/// `caulk doctor`: the set-up checked on real repositories, `--fix` applied.
mod doctor;
/// Base64 and percent-encoded secrets, two levels deep, pointed at in the encoded text.
mod encoded;
/// UTF-16, BOM, CR and CRLF text with editor positions.
mod encodings;
/// Control characters and bidirectional text escaped everywhere; issue 13's small cases.
mod escapes;
/// Property tests of the notebook reader, the line/column mapper and the engine.
mod fuzz;
/// `staged`, `history` and the installed hook on real repositories.
mod git;
/// Corrupt objects and packs, empty, foreign-owned and shallow repositories, submodules.
mod git_objects;
/// `--format html`: every finding, no secret, strict HTML5 (html5lib), rendered and filtered by
/// headless chromium, hostile names as text.
mod html;
/// Nothing is written through a symbolic link or over an input of the same run.
mod links_and_writes;
/// `caulk man`: one page with every command, EXIT STATUS, ENVIRONMENT and FILES, clean under
/// `mandoc -T lint`.
mod man;
/// Notebooks end to end, and `caulk strip` against the real nbstripout.
mod notebooks;
/// A history range that silences its own secret is shown as notices.
mod notices;
/// The real pre-commit framework runs caulk's hooks (ignored by default: slow).
mod precommit;
/// The README's console examples run and print what the README shows.
mod readme;
/// The release workflow's targets and trusted publishing, its binary archives, the wheel's
/// metadata, and the GitLab job that installs the wheel.
mod release;
/// Every built-in rule passes its examples; `caulk rules`.
mod rules;
/// `caulk scan` end to end over real files, in every format.
mod scan;
/// Every report format, `rules` and `explain` pinned by `insta` snapshots of the demo.
mod snapshots;
/// Special files: link loops, FIFOs, devices and non-UTF-8 names.
mod special_files;
/// Standard input: bounded, and scanned in windows like a file.
mod stdin;
/// `caulk strip` in nbstripout's place: stdin, options, the git filter, the real nbstripout.
mod strip;
/// Inline pragmas and `.caulkignore`.
mod suppress;
/// What caulk cannot read is named, and never lets the exit code be 0.
mod unreadable;
