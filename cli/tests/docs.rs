//! The repository's words stay true to the repository: README.md is a guide of at most
//! [`README_MAX_LINES`] lines, every repository path a Markdown file names (in a link or in
//! backticks) or a `//!` doc comment names exists in the repository (a clone has nothing
//! beside it), and every Markdown table has a header row, so it renders.
//!
//! The rules are plain functions with tests of their own below; `the_repository_keeps_them`
//! applies them to every tracked-looking file under the repository root.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

/// The longest README.md: a user's guide; reference material belongs in docs/.
const README_MAX_LINES: usize = 450;

/// Folders that are not the repository's own text: build output, installed tools, the local
/// stack's data, git's own.
const NOT_OURS: &[&str] = &[".git", "target", ".tools", ".data", "node_modules"];

/// Paths the code creates at run time: named in the docs, never in a clone.
const CREATED: &[&str] = &[".data", "target", ".tools"];

/// Endings that make a bare word a file reference.
const FILE_ENDINGS: &[&str] = &[
    ".md", ".rs", ".toml", ".sql", ".yml", ".yaml", ".json", ".txt", ".sh", ".py", ".lock",
];

/// Where a word was found: how sure it is to mean a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// the target of a Markdown link: always a path unless a URL or an anchor
    Link,
    /// inside backticks: a path when it starts with a top-level entry or ends like a file
    Code,
    /// plain words of a `//!` comment: a path only when it ends like a file
    Prose,
}

/// The repository as the checks see it: its root and every path in it (files and folders,
/// relative, `/`-separated).
struct Repo {
    root: PathBuf,
    paths: BTreeSet<String>,
    top: BTreeSet<String>,
}

impl Repo {
    fn at(root: &Path) -> Repo {
        let mut paths = BTreeSet::new();
        walk(root, root, &mut paths);
        let top = paths.iter().filter(|p| !p.contains('/')).cloned().collect();
        Repo {
            root: root.to_path_buf(),
            paths,
            top,
        }
    }

    /// Of a test's own making: a repository of exactly `paths`.
    #[cfg(test)]
    fn of(paths: &[&str]) -> Repo {
        let mut all = BTreeSet::new();
        for p in paths {
            let mut prefix = String::new();
            for seg in p.split('/') {
                if !prefix.is_empty() {
                    prefix.push('/');
                }
                prefix.push_str(seg);
                all.insert(prefix.clone());
            }
        }
        let top = all.iter().filter(|p| !p.contains('/')).cloned().collect();
        Repo {
            root: PathBuf::from("/nowhere"),
            paths: all,
            top,
        }
    }

    /// The files of the repository that end in `ending`: `(relative path, text)`.
    fn texts(&self, ending: &str) -> Vec<(String, String)> {
        self.paths
            .iter()
            .filter(|p| p.ends_with(ending) && self.root.join(p).is_file())
            .map(|p| {
                (
                    p.clone(),
                    std::fs::read_to_string(self.root.join(p)).unwrap(),
                )
            })
            .collect()
    }

    /// Whether `word`, named in the file at `from` (relative), is a path of the repository;
    /// `None` when it is not a path reference at all.
    fn names_missing(&self, from: &str, word: &str, place: Place) -> Option<String> {
        let word = word
            .split('#')
            .next()
            .unwrap_or_default()
            .trim_start_matches("./");
        let word = strip_line_number(word);
        if word.is_empty() || word.contains(':') || !self.is_reference(word, place) {
            return None;
        }
        let dir = Path::new(from).parent().unwrap_or(Path::new(""));
        let from_file = normalize(&dir.join(word));
        // the documents beside a working copy (a `shared/` folder next to it) are not in a clone
        if from_file.is_none() || (word.contains("shared/") && !self.paths.contains(word)) {
            return Some(format!("{word} (outside the repository)"));
        }
        let candidates = [from_file, normalize(Path::new(word))];
        let found = candidates.iter().flatten().any(|p| self.paths.contains(p))
            // a path written from inside its crate or folder (`calendar/waiting.rs`, `mod.rs`)
            || (!word.starts_with("..")
                && self
                    .paths
                    .iter()
                    .any(|p| p == word || p.ends_with(&format!("/{word}"))));
        (!found).then(|| word.to_string())
    }

    fn is_reference(&self, word: &str, place: Place) -> bool {
        if word.contains("://")
            || word.starts_with(['/', '~', '$', '-', '@'])
            || word.contains(['{', '}', '<', '>', '*', '=', '(', ')', '|', ' '])
        {
            return false;
        }
        let first = word.split('/').next().unwrap_or_default();
        if CREATED.contains(&first) {
            return false;
        }
        // a bare name is a reference when it names a doc or a source file (`DESIGN.md`,
        // `calendar.rs`); `deskflow.toml` is the operator's own file, not the repository's
        let endings: &[&str] = if word.contains('/') {
            FILE_ENDINGS
        } else {
            &[".md", ".rs"]
        };
        let file_like = endings.iter().any(|e| word.ends_with(e)) && !word.starts_with('.');
        let under_top = word.contains('/') && self.top.contains(first);
        match place {
            Place::Link => true,
            Place::Code => file_like || under_top || word.starts_with("../"),
            Place::Prose => file_like,
        }
    }
}

/// `handlers/src/x.rs:41` -> `handlers/src/x.rs`.
fn strip_line_number(word: &str) -> &str {
    match word.rsplit_once(':') {
        Some((path, n)) if !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()) => path,
        _ => word,
    }
}

/// `docs/../README.md` -> `README.md`; `None` when it leaves the repository.
fn normalize(p: &Path) -> Option<String> {
    let mut out: Vec<String> = Vec::new();
    for c in p.components() {
        match c {
            Component::Normal(s) => out.push(s.to_string_lossy().into_owned()),
            Component::ParentDir => {
                out.pop()?;
            }
            Component::CurDir => {}
            _ => return None,
        }
    }
    Some(out.join("/"))
}

fn walk(root: &Path, dir: &Path, out: &mut BTreeSet<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if NOT_OURS.contains(&name.as_str()) {
            continue;
        }
        let rel = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        out.insert(rel);
        if path.is_dir() {
            walk(root, &path, out);
        }
    }
}

/// The words of a Markdown text that may name paths: link targets and backtick spans, outside
/// fenced code blocks (commands and sample output, not references).
fn markdown_words(text: &str) -> Vec<(String, Place)> {
    let mut words = Vec::new();
    for (_, line) in prose_lines(text) {
        let mut rest = line;
        while let Some(i) = rest.find("](") {
            let after = &rest[i + 2..];
            let end = after.find(')').unwrap_or(after.len());
            words.push((after[..end].trim().to_string(), Place::Link));
            rest = &after[end..];
        }
        for span in line.split('`').skip(1).step_by(2) {
            for w in span.split_whitespace() {
                words.push((trim_word(w).to_string(), Place::Code));
            }
        }
    }
    words
}

/// The words of a Rust file's `//!` comments: those in backticks and the plain ones.
fn doc_comment_words(text: &str) -> Vec<(String, Place)> {
    let mut words = Vec::new();
    for line in text.lines() {
        let Some(doc) = line.trim_start().strip_prefix("//!") else {
            continue;
        };
        for (i, part) in doc.split('`').enumerate() {
            let place = if i % 2 == 1 {
                Place::Code
            } else {
                Place::Prose
            };
            for w in part.split_whitespace() {
                words.push((trim_word(w).to_string(), place));
            }
        }
    }
    words
}

fn trim_word(w: &str) -> &str {
    w.trim_matches(|c: char| matches!(c, ',' | ';' | ':' | '"' | '\'' | '(' | ')' | '[' | ']'))
        .trim_end_matches(['.', ',', ';', ':', '!', '?'])
}

/// The lines of a Markdown text, numbered from 1, with those of fenced code blocks (commands
/// and sample output, not references or tables) and their fences left empty.
fn prose_lines(text: &str) -> Vec<(usize, &str)> {
    let mut fenced = false;
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let fence = line.trim_start().starts_with("```");
        if fence {
            fenced = !fenced;
        }
        out.push((i + 1, if fence || fenced { "" } else { line }));
    }
    out
}

/// The first line (1-based) of each table that has no header row: a table is a run of lines
/// starting with `|`, and renders only when its second line is the `|---|` separator.
fn tables_without_header(text: &str) -> Vec<usize> {
    let lines = prose_lines(text);
    let is_row = |l: &str| l.trim_start().starts_with('|');
    let is_separator = |l: &str| {
        let t = l.trim();
        t.starts_with('|')
            && t.contains('-')
            && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
    };
    let mut bad = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        if is_row(lines[i].1) {
            let start = i;
            while i < lines.len() && is_row(lines[i].1) {
                i += 1;
            }
            let ok = i - start >= 2 && is_separator(lines[start + 1].1);
            if !ok {
                bad.push(lines[start].0);
            }
        } else {
            i += 1;
        }
    }
    bad
}

#[test]
fn the_repository_keeps_them() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let root = root.canonicalize().unwrap();
    let repo = Repo::at(&root);
    let mut problems = Vec::new();

    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let n = readme.lines().count();
    if n > README_MAX_LINES {
        problems.push(format!(
            "README.md is {n} lines: a guide of at most {README_MAX_LINES}; reference material belongs in docs/"
        ));
    }

    for (rel, text) in repo.texts(".md") {
        for (word, place) in markdown_words(&text) {
            if let Some(missing) = repo.names_missing(&rel, &word, place) {
                problems.push(format!(
                    "{rel} names `{missing}`, which the repository has not"
                ));
            }
        }
        for line in tables_without_header(&text) {
            problems.push(format!("{rel}:{line}: a table without a header row"));
        }
    }
    for (rel, text) in repo.texts(".rs") {
        for (word, place) in doc_comment_words(&text) {
            if let Some(missing) = repo.names_missing(&rel, &word, place) {
                problems.push(format!(
                    "{rel}: a //! comment names `{missing}`, which the repository has not"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[cfg(test)]
mod rules {
    use super::*;

    fn repo() -> Repo {
        Repo::of(&[
            "README.md",
            "docs/API.md",
            "docs/design.md",
            "handlers/src/calendar/mod.rs",
            "handlers/src/calendar/waiting.rs",
            "cli/tests/journeys/harness/stack.rs",
        ])
    }

    fn missing(from: &str, text: &str) -> Vec<String> {
        let r = repo();
        let words = if from.ends_with(".rs") {
            doc_comment_words(text)
        } else {
            markdown_words(text)
        };
        words
            .into_iter()
            .filter_map(|(w, p)| r.names_missing(from, &w, p))
            .collect()
    }

    #[test]
    fn paths_that_exist_pass_from_the_root_from_the_file_and_from_inside_a_crate() {
        let text = "See [the contract](API.md#waitlist), [README](../README.md), \
                    `handlers/src/calendar/` and `calendar/waiting.rs:12` (in `mod.rs`).";
        assert!(missing("docs/design.md", text).is_empty());
    }

    #[test]
    fn paths_the_repository_has_not_are_named() {
        let text = "The map is `shared/MAP.md`; see `handlers/src/calendar.rs` and \
                    [the seed](../../seeds/API.md).";
        assert_eq!(
            missing("docs/design.md", text),
            [
                "../../seeds/API.md (outside the repository)",
                "shared/MAP.md (outside the repository)",
                "handlers/src/calendar.rs"
            ]
        );
        assert_eq!(
            missing(
                "domain/src/lib.rs",
                "//! The invariants of DESIGN.md, checked."
            ),
            ["DESIGN.md"]
        );
    }

    #[test]
    fn words_that_are_not_paths_pass() {
        let text = "`cargo run -- up` writes `.data/logs/` and `target/release/deskflow`; \
                    `Booking/{id}/cancel`, `Workspaces/create`, see https://restate.dev/x.md \
                    and [a section](#money).";
        assert!(missing("README.md", text).is_empty());
        let doc = "//! the shared/exclusive guard, `deskflow.toml`, and `RUST_LOG=info`";
        assert!(missing("cli/tests/journeys/harness/stack.rs", doc).is_empty());
        // fenced blocks are commands and output, not references
        assert!(missing("README.md", "```\nls docs/gone.md\n```\n").is_empty());
    }

    #[test]
    fn a_table_renders_only_with_a_header_row() {
        let good = "text\n\n| a | b |\n|---|:--|\n| 1 | 2 |\n";
        assert!(tables_without_header(good).is_empty());
        let bad = "text\n\n| `POST /A/b` | c |\n| `POST /A/d` | e |\n\n| x |\n";
        assert_eq!(tables_without_header(bad), [3, 6]);
        assert!(tables_without_header("```\n| not | a table |\n```\n").is_empty());
    }
}
