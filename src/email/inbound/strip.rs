//! The shopper's own words out of a reply: everything from the line that introduces the
//! quoted history (`On … wrote:`, `Am … schrieb …:`, `Le … a écrit :`, Outlook's
//! `-----Original Message-----` or its `From:`/`Sent:` block) is cut, so are `>`-quoted
//! lines, the `-- ` signature and "Sent from my iPhone" lines. The mail as it arrived is
//! kept whole elsewhere for agents.

/// The reply without quotes and signature; empty when the shopper only quoted.
pub fn reply_text(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut kept: Vec<&str> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim();
        if starts_history(&lines, i) || trimmed == "--" || *line == "-- " {
            break;
        }
        if trimmed.starts_with('>') || sent_from_device(trimmed) {
            continue;
        }
        kept.push(line.trim_end());
    }
    collapse_blank_lines(&kept)
}

/// At most one blank line in a row, none at either end.
fn collapse_blank_lines(lines: &[&str]) -> String {
    let mut out = String::new();
    let mut blank = false;
    for line in lines {
        if line.trim().is_empty() {
            blank = !out.is_empty();
            continue;
        }
        if blank {
            out.push('\n');
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(line);
        blank = false;
    }
    out
}

/// Whether line `i` introduces the quoted history.
fn starts_history(lines: &[&str], i: usize) -> bool {
    let line = lines[i].trim();
    let lower = line.to_lowercase();
    if is_separator(&lower) {
        return true;
    }
    // "On … wrote:" may be wrapped by the mail program onto a second line.
    let joined = match lines.get(i + 1) {
        Some(next) => format!("{lower} {}", next.trim().to_lowercase()),
        None => lower.clone(),
    };
    let attribution = |text: &str| {
        (text.starts_with("on ") && text.ends_with("wrote:"))
            || (text.starts_with("am ") && text.contains("schrieb") && text.ends_with(':'))
            || (text.starts_with("le ")
                && (text.ends_with("a écrit :") || text.ends_with("a écrit:")))
    };
    if attribution(&lower) || (lower.len() < 200 && attribution(&joined)) {
        return true;
    }
    outlook_header_block(lines, i)
}

/// Lines Outlook, Thunderbird and others put above a forwarded or quoted original.
fn is_separator(lower: &str) -> bool {
    let inner = lower.trim_matches(|c: char| c == '-' || c.is_whitespace());
    let dashed = lower.starts_with("-----") || lower.starts_with("----- ");
    (dashed
        && matches!(
            inner,
            "original message" | "ursprüngliche nachricht" | "message d'origine"
        ))
        || (lower.len() >= 20 && lower.chars().all(|c| c == '_'))
}

/// Outlook's header block: `From:` followed within a few lines by `Sent:`/`Date:` (or the
/// German and French labels).
fn outlook_header_block(lines: &[&str], i: usize) -> bool {
    const FROM: [&str; 4] = ["from:", "von:", "de :", "de:"];
    const SENT: [&str; 6] = [
        "sent:",
        "date:",
        "gesendet:",
        "datum:",
        "envoyé :",
        "envoyé:",
    ];
    let lower = |l: &str| l.trim().trim_start_matches('*').to_lowercase();
    let first = lower(lines[i]);
    if !FROM.iter().any(|f| first.starts_with(f)) {
        return false;
    }
    lines
        .iter()
        .skip(i + 1)
        .take(4)
        .any(|l| SENT.iter().any(|s| lower(l).starts_with(s)))
}

/// "Sent from my iPhone" and its relatives.
fn sent_from_device(line: &str) -> bool {
    let lower = line.to_lowercase();
    lower.starts_with("sent from my ")
        || lower.starts_with("sent from outlook")
        || lower.starts_with("get outlook for ")
        || (lower.starts_with("von meinem ") && lower.ends_with("gesendet"))
        || lower.starts_with("envoyé de mon ")
        || lower == "sent from mail for windows"
}
