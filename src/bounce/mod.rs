//! Bounce parsing: given the raw bytes of a delivery-failure report, find which recipient addresses it is
//! about and whether the failure is permanent or temporary. This module is pure: it takes bytes and returns
//! values, never touches the store, and never decides what to do with a member (scoring belongs to the
//! membership code). It reads RFC 3464 delivery status notifications first and falls back to a table of
//! well-known MTA report formats only when no DSN is found. It is deliberately conservative: a wrong address
//! scores an innocent member, so a detector that is unsure returns nothing, and addresses are never taken
//! from the headers of the quoted original message.

mod address;
mod dsn;
mod parts;
mod patterns;
mod severity;

pub use address::verp_address;

/// How final a delivery failure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The receiving side gave up (5.x.x, "failed"): counts fully against the member.
    Permanent,
    /// The receiving side is still trying or hit a transient problem (4.x.x, "delayed").
    Temporary,
}

/// One recipient a bounce report says could not be reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The failed recipient as a lower-cased addr-spec (`local@domain`).
    pub address: String,
    /// Whether the report is final or a warning.
    pub severity: Severity,
    /// The RFC 3463 enhanced status code when the report gives one (e.g. `5.1.1`).
    pub status: Option<String>,
    /// The remote server's explanation, when the report carries one, for the owner's bounce log.
    pub diagnostic: Option<String>,
}

/// Finds the failed recipients of a delivery-failure report. Tries RFC 3464 first, then the known MTA
/// formats. The result is deduplicated by address and keeps the order of first appearance; it is empty
/// when the input is not a recognisable bounce. Never panics, whatever the input.
pub fn scan(raw: &[u8]) -> Vec<Failure> {
    let segments = parts::segments(raw);
    let mut found = dsn::scan(&segments);
    if found.is_empty() {
        found = patterns::scan(&segments);
    }
    dedup(found)
}

/// Keeps the first failure reported for each address; a later duplicate (the same recipient listed in both
/// the human-readable part and elsewhere) adds nothing.
fn dedup(found: Vec<Failure>) -> Vec<Failure> {
    let mut out: Vec<Failure> = Vec::with_capacity(found.len());
    for f in found {
        if !out.iter().any(|o| o.address == f.address) {
            out.push(f);
        }
    }
    out
}
