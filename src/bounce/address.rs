//! Recognising and normalising recipient addresses inside bounce text, and decoding VERP details.

/// Decodes the `+detail` of a VERP bounce address (`wg-bounces+alice=example.org@D`) back to the member's
/// address. The last `=` separates local part and domain, because a local part may itself contain `=`
/// while a domain never does. Returns `None` unless the result is a plausible addr-spec.
pub fn verp_address(detail: &str) -> Option<String> {
    let (local, domain) = detail.rsplit_once('=')?;
    let candidate = format!("{local}@{domain}");
    normalize(&candidate)
}

/// Returns the lower-cased addr-spec when `s` is exactly one plausible address (dot-atom local part, a
/// dotted domain of letters, digits and hyphens ending in an alphabetic label), else `None`. Quoted local
/// parts and domain literals are refused: they are rare among members and common in garbage.
pub fn normalize(s: &str) -> Option<String> {
    let s = s.trim();
    if s.len() > 254 {
        return None;
    }
    let (local, domain) = s.rsplit_once('@')?;
    if !valid_local(local) || !valid_domain(domain) {
        return None;
    }
    Some(s.to_ascii_lowercase())
}

fn valid_local(local: &str) -> bool {
    const SPECIALS: &str = "!#$%&'*+-/=?^_`{|}~";
    !local.is_empty()
        && local.len() <= 64
        && local.split('.').all(|atom| {
            !atom.is_empty()
                && atom
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || SPECIALS.contains(c))
        })
}

fn valid_domain(domain: &str) -> bool {
    let labels: Vec<&str> = domain.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()))
}

/// Pulls one address out of a token such as `<a@b.c>`, `"a@b.c":`, `rfc822;a@b.c` or `(a@b.c)`, stripping
/// the punctuation bounce formats wrap around addresses.
pub fn from_token(token: &str) -> Option<String> {
    let t = token.trim();
    let t = match t.split_once(';') {
        Some((kind, rest)) if kind.eq_ignore_ascii_case("rfc822") => rest,
        _ => t,
    };
    let t = t.trim_matches(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '<' | '>' | '"' | '\'' | '(' | ')' | '[' | ']' | ':' | ';' | ',' | '.'
            )
    });
    let t = t.strip_prefix("mailto:").unwrap_or(t);
    normalize(t)
}

/// Every address found in `line`, taking whitespace-separated tokens that contain `@` (and `<…>` groups, so
/// `Name<a@b.c>` works). Tokens that are not clean addresses are skipped, never repaired.
pub fn all_in(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in line.split(|c: char| c.is_whitespace() || c == '<' || c == '>' || c == ',') {
        if word.contains('@')
            && let Some(a) = from_token(word)
            && !out.contains(&a)
        {
            out.push(a);
        }
    }
    out
}

/// The content of the first `<…>` group of `line` as an address.
pub fn first_angle(line: &str) -> Option<String> {
    let start = line.find('<')?;
    let end = start + line[start..].find('>')?;
    normalize(&line[start + 1..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        assert_eq!(
            from_token("<A@Example.COM>:").as_deref(),
            Some("a@example.com")
        );
        assert_eq!(from_token("rfc822;a@b.org").as_deref(), Some("a@b.org"));
        assert_eq!(from_token("david...@gmail.com"), None);
        assert_eq!(from_token("python@david..."), None);
        assert_eq!(
            all_in("  Name<x@y.org>, z@w.net."),
            vec!["x@y.org", "z@w.net"]
        );
    }
}
