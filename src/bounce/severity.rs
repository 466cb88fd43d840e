//! Deciding permanent versus temporary from the words and codes a report uses.

use super::Severity;

/// The severity an enhanced status code (`5.1.1`, `4.4.7`) implies, if it is one.
pub fn from_status(status: &str) -> Option<Severity> {
    match status.trim().as_bytes().first() {
        Some(b'5') => Some(Severity::Permanent),
        Some(b'4') => Some(Severity::Temporary),
        _ => None,
    }
}

/// Phrases by which non-DSN reports say they are only a warning and the server keeps trying.
const WARNING_PHRASES: &[&str] = &[
    "warning: message still undelivered",
    "this is a warning message only",
    "will continue trying",
    "will keep trying",
    "will retry",
    "will be retried",
    "has not yet been delivered",
    "not yet been delivered",
    "delivery has been delayed",
    "message delayed",
    "delivery delayed",
    "delayed mail",
    "still trying",
    "attempts will continue",
    "continue to try",
    "been postponed",
    "temporarily deferred",
];

/// Whether the free text of a report reads as a temporary problem rather than a final failure.
pub fn text_is_temporary(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    WARNING_PHRASES.iter().any(|p| lower.contains(p))
}

/// The first enhanced status code (`d.ddd.ddd` with the class 2, 4 or 5) appearing in `text`.
pub fn find_status(text: &str) -> Option<String> {
    let b = text.as_bytes();
    for i in 0..b.len() {
        if !matches!(b[i], b'4' | b'5')
            || (i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'.'))
        {
            continue;
        }
        if b.get(i + 1) != Some(&b'.') {
            continue;
        }
        let mut j = i + 2;
        let d1 = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j == d1 || j - d1 > 3 || b.get(j) != Some(&b'.') {
            continue;
        }
        j += 1;
        let d2 = j;
        while j < b.len() && b[j].is_ascii_digit() {
            j += 1;
        }
        if j == d2
            || j - d2 > 3
            || (j < b.len()
                && (b[j].is_ascii_alphanumeric()
                    || b[j] == b'.' && b.get(j + 1).is_some_and(u8::is_ascii_digit)))
        {
            continue;
        }
        return Some(text[i..j].to_string());
    }
    None
}
