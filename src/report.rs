//! Report writing: atomic file writes, JSON results and a small markdown builder.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::{ReportError, Result};

/// Writes `bytes` to `path` atomically: to a temporary file in the same folder, then renamed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let io = |source| ReportError::Io {
        path: path.display().to_string(),
        source,
    };
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty());
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".to_string());
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(e)
    })
}

/// Serialises `value` as pretty JSON and writes it atomically to `path`.
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|source| ReportError::Json {
        what: path.display().to_string(),
        source,
    })?;
    write_atomic(path, text.as_bytes())
}

/// A markdown document built section by section.
#[derive(Debug, Default, Clone)]
pub struct Markdown {
    text: String,
}

impl Markdown {
    /// An empty document.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a heading of the given level (1 = `#`).
    pub fn heading(&mut self, level: usize, title: &str) -> &mut Self {
        let level = level.clamp(1, 6);
        let _ = writeln!(self.text, "{} {}\n", "#".repeat(level), title);
        self
    }

    /// Adds a paragraph.
    pub fn paragraph(&mut self, text: &str) -> &mut Self {
        let _ = writeln!(self.text, "{}\n", text.trim_end());
        self
    }

    /// Adds a bulleted list.
    pub fn bullets<S: AsRef<str>>(&mut self, items: &[S]) -> &mut Self {
        for item in items {
            let _ = writeln!(self.text, "- {}", item.as_ref());
        }
        self.text.push('\n');
        self
    }

    /// Adds a table. Every row must have as many cells as `header`.
    pub fn table<S: AsRef<str>>(
        &mut self,
        header: &[S],
        rows: &[Vec<String>],
    ) -> Result<&mut Self> {
        if let Some(bad) = rows.iter().position(|r| r.len() != header.len()) {
            return Err(ReportError::Input {
                what: "markdown table".into(),
                message: format!(
                    "row {bad} has {} cells, the header has {}",
                    rows[bad].len(),
                    header.len()
                ),
            });
        }
        let escape = |s: &str| s.replace('|', "\\|");
        let head: Vec<String> = header.iter().map(|h| escape(h.as_ref())).collect();
        let _ = writeln!(self.text, "| {} |", head.join(" | "));
        let _ = writeln!(self.text, "|{}", " --- |".repeat(header.len()));
        for row in rows {
            let cells: Vec<String> = row.iter().map(|c| escape(c)).collect();
            let _ = writeln!(self.text, "| {} |", cells.join(" | "));
        }
        self.text.push('\n');
        Ok(self)
    }

    /// Adds an image link (path relative to the report).
    pub fn image(&mut self, alt: &str, path: &str) -> &mut Self {
        let _ = writeln!(self.text, "![{alt}]({path})\n");
        self
    }

    /// Adds a fenced code block.
    pub fn code(&mut self, lang: &str, code: &str) -> &mut Self {
        let _ = writeln!(self.text, "```{lang}\n{}\n```\n", code.trim_end());
        self
    }

    /// The document's text.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Writes the document atomically.
    pub fn write(&self, path: &Path) -> Result<()> {
        write_atomic(path, self.text.as_bytes())
    }
}

/// Formats a number with `digits` decimals, or `n/a` for a non-finite value.
pub fn fmt_num(x: f64, digits: usize) -> String {
    if x.is_finite() {
        format!("{x:.digits$}")
    } else {
        "n/a".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_table_rejects_ragged_rows() {
        let mut md = Markdown::new();
        let err = md
            .table(&["a", "b"], &[vec!["1".into()]])
            .expect_err("ragged row must fail");
        assert!(err.to_string().contains("row 0 has 1 cells"));
    }

    #[test]
    fn markdown_renders_table_and_escapes_pipes() {
        let mut md = Markdown::new();
        md.heading(2, "T")
            .table(&["x", "y|z"], &[vec!["1".into(), "2".into()]])
            .unwrap();
        assert_eq!(
            md.as_str(),
            "## T\n\n| x | y\\|z |\n| --- | --- |\n| 1 | 2 |\n\n"
        );
    }

    #[test]
    fn atomic_json_write_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/r.json");
        write_json(&p, &serde_json::json!({"a": 1.5})).unwrap();
        let back: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        assert_eq!(back["a"], 1.5);
        // no temporary file is left behind
        let n = std::fs::read_dir(p.parent().unwrap()).unwrap().count();
        assert_eq!(n, 1);
    }

    #[test]
    fn fmt_num_handles_non_finite() {
        assert_eq!(fmt_num(f64::NAN, 2), "n/a");
        assert_eq!(fmt_num(1.23456, 3), "1.235");
    }
}
