//! Checks on MAIL/RCPT arguments that smtp-proto's parser leaves open. Pure functions of the parsed
//! address or the raw command line.
//!
//! smtp-proto 0.2.5 accepts `a@`, `a@b.` and `a@-b` (no check on the domain), replaces invalid UTF-8
//! with U+FFFD instead of refusing it, maps `<postmaster>` to the empty string (so it cannot be told
//! from `<>`), and parses a `SIZE=` value of more than 19 digits by wrapping around (`SIZE=` followed
//! by 23 nines reads as 999). These helpers close those gaps.

/// RFC 5321 §4.5.3.1.3: a path is at most 256 octets.
const MAX_PATH: usize = 256;

/// True when `address` is `local@domain` with a non-empty local part and a plausible domain: dot-
/// separated labels of letters, digits (any script, for SMTPUTF8) and inner hyphens.
pub(super) fn is_mailbox(address: &str) -> bool {
    if address.len() > MAX_PATH || address.contains(char::REPLACEMENT_CHARACTER) {
        return false;
    }
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    !local.is_empty() && is_domain(domain)
}

fn is_domain(domain: &str) -> bool {
    !domain.is_empty()
        && domain.len() <= 255
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
}

/// True when the command line's path is `<postmaster>` (any case), which smtp-proto reports as `""`.
pub(super) fn names_postmaster(line: &[u8]) -> bool {
    line.to_ascii_lowercase()
        .windows(12)
        .any(|w| w == b"<postmaster>")
}

/// True when a `SIZE=` parameter on the line has more digits than smtp-proto reads exactly; such a
/// size is over any limit.
pub(super) fn size_overflows(line: &[u8]) -> bool {
    let lower = line.to_ascii_lowercase();
    lower.windows(5).enumerate().any(|(at, w)| {
        w == b"size="
            && lower[at + 5..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count()
                > 19
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mailboxes() {
        for good in [
            "a@b",
            "wg@lists.example",
            "x.y+tag@mail-1.example.org",
            "ü@bücher.example",
        ] {
            assert!(is_mailbox(good), "{good}");
        }
        for bad in [
            "",
            "a",
            "a@",
            "@a",
            "a@b.",
            "a@.b",
            "a@-b",
            "a@b_c",
            "a@b c",
            "\u{fffd}@b",
        ] {
            assert!(!is_mailbox(bad), "{bad}");
        }
    }

    #[test]
    fn postmaster_and_size() {
        assert!(names_postmaster(b"RCPT TO:<PostMaster>\r\n"));
        assert!(!names_postmaster(b"RCPT TO:<>\r\n"));
        assert!(size_overflows(
            b"MAIL FROM:<a@b> SIZE=99999999999999999999999\r\n"
        ));
        assert!(!size_overflows(b"MAIL FROM:<a@b> size=1000\r\n"));
    }
}
