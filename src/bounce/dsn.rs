//! RFC 3464 delivery status notifications: the `message/delivery-status` part of a `multipart/report`.
//! Each per-recipient block names the recipient (`Original-Recipient` preferred, as it is the address the
//! list sent to, before any forwarding; else `Final-Recipient`), an `Action` and a `Status`.

use super::parts::{Kind, Segment};
use super::{Failure, Severity, address, severity};

/// Failures listed in the report's delivery-status parts; empty when there are none.
pub fn scan(segments: &[Segment]) -> Vec<Failure> {
    segments
        .iter()
        .filter(|s| s.kind == Kind::DeliveryStatus)
        .flat_map(|s| parse(&s.text))
        .collect()
}

/// Parses one delivery-status body: blocks of header-like fields separated by blank lines.
pub fn parse(text: &str) -> Vec<Failure> {
    let mut out = Vec::new();
    for block in blocks(text) {
        if let Some(f) = recipient(&block) {
            out.push(f);
        }
    }
    out
}

/// The block's failure, if it is a per-recipient block reporting a failure or a delay.
fn recipient(fields: &[(String, String)]) -> Option<Failure> {
    let get = |name: &str| {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    let addr = get("original-recipient")
        .and_then(address::from_token)
        .or_else(|| get("final-recipient").and_then(address::from_token))?;
    let status = get("status")
        .and_then(|s| s.split_whitespace().next())
        .filter(|s| severity::from_status(s).is_some())
        .map(str::to_string);
    let by_status = status.as_deref().and_then(severity::from_status);
    let action = get("action").map(|a| {
        a.split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_lowercase()
    });
    let severity = match action.as_deref() {
        Some("failed") => Severity::Permanent,
        Some("delayed") => Severity::Temporary,
        // Delivered, relayed and expanded recipients did not fail.
        Some("delivered" | "relayed" | "expanded") => return None,
        _ => by_status?,
    };
    let diagnostic = get("diagnostic-code").map(|d| match d.split_once(';') {
        Some((_, rest)) => rest.trim().to_string(),
        None => d.trim().to_string(),
    });
    Some(Failure {
        address: addr,
        severity,
        status,
        diagnostic,
    })
}

/// Splits the body into blocks of unfolded `(lower-cased name, value)` fields.
fn blocks(text: &str) -> Vec<Vec<(String, String)>> {
    let mut all = Vec::new();
    let mut cur: Vec<(String, String)> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !cur.is_empty() {
                all.push(std::mem::take(&mut cur));
            }
        } else if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = cur.last_mut() {
                v.push(' ');
                v.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            cur.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
        }
    }
    if !cur.is_empty() {
        all.push(cur);
    }
    all
}
