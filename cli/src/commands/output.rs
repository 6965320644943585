//! Human output: colors when stdout is a terminal, aligned tables, a spinner for `watch`.

use deskflow_domain::booking::BookingStatus;
use std::io::IsTerminal;

pub fn color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

fn paint(code: &str, s: &str) -> String {
    if color() {
        format!("\x1b[{code}m{s}\x1b[0m")
    } else {
        s.to_string()
    }
}

pub fn green(s: &str) -> String {
    paint("32", s)
}

pub fn red(s: &str) -> String {
    paint("31", s)
}

pub fn yellow(s: &str) -> String {
    paint("33", s)
}

pub fn bold(s: &str) -> String {
    paint("1", s)
}

/// A status word, colored by what it means for the member.
pub fn status(s: &str) -> String {
    match tone(s) {
        Tone::Good => green(s),
        Tone::Bad => red(s),
        Tone::Waiting => yellow(s),
    }
}

/// What a status word means for the member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tone {
    Good,
    Bad,
    Waiting,
}

/// A booking status by the domain's meaning (confirmed and completed are good, the other final
/// ones bad); a payment's or an email's by its word.
fn tone(s: &str) -> Tone {
    match BookingStatus::parse(s) {
        Some(BookingStatus::Confirmed | BookingStatus::Completed) => Tone::Good,
        Some(b) if b.is_final() => Tone::Bad,
        Some(_) => Tone::Waiting,
        None => match s {
            "sent" | "captured" => Tone::Good,
            _ => Tone::Waiting,
        },
    }
}

/// Rows under a header, each column as wide as its widest cell.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(strip(c).chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        cells
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c}{}", " ".repeat(widths[i] - strip(c).chars().count())))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = vec![bold(&line(header.iter().map(|h| h.to_string()).collect()))];
    out.extend(rows.iter().map(|r| line(r.clone())));
    out.join("\n")
}

/// Text without ANSI color codes (for width and for tests).
pub fn strip(s: &str) -> String {
    let mut out = String::new();
    let mut in_code = false;
    for ch in s.chars() {
        match (in_code, ch) {
            (false, '\x1b') => in_code = true,
            (true, 'm') => in_code = false,
            (false, c) => out.push(c),
            _ => {}
        }
    }
    out
}

/// `1500` -> `15.00`, the same as emails and the API's amounts use.
pub use deskflow_domain::money::format_minor as money;

pub const SPINNER: [&str; 4] = ["|", "/", "-", "\\"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_columns_and_ignore_color_codes_for_width() {
        let t = table(
            &["ID", "STATUS"],
            &[
                vec!["a".into(), "\x1b[32mok\x1b[0m".into()],
                vec!["long-id".into(), "x".into()],
            ],
        );
        assert_eq!(strip(&t), "ID       STATUS\na        ok\nlong-id  x");
    }

    #[test]
    fn statuses_are_colored_by_what_they_mean() {
        for s in ["confirmed", "completed", "sent", "captured"] {
            assert_eq!(tone(s), Tone::Good, "{s}");
        }
        for s in ["cancelled", "rejected", "expired", "failed"] {
            assert_eq!(tone(s), Tone::Bad, "{s}");
        }
        for s in [
            "pending",
            "held",
            "awaiting_payment",
            "authorized",
            "refunded",
            "",
        ] {
            assert_eq!(tone(s), Tone::Waiting, "{s}");
        }
    }
}
