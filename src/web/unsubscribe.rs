//! `/u/{token}`: one-click unsubscribe (RFC 8058). The token is a signed (list, address) pair from
//! [`Secret::sign_unsubscribe`](crate::tokens::Secret::sign_unsubscribe); holding it is the whole
//! authorization, so it must verify before anything else is looked at. The link itself is built by
//! [`Secret::unsubscribe_url`](crate::tokens::Secret::unsubscribe_url).
//!
//! - `GET` shows a confirmation page with a button and changes nothing: link scanners and
//!   prefetchers follow GET links, and must never unsubscribe anyone.
//! - `POST` with the body `List-Unsubscribe=One-Click` (what mail clients send, and what the page's
//!   button sends) removes the member at once. Repeating it is harmless and answers the same.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;

use maud::html;

use super::{WebError, WebState, page};

/// Who a verified token is about, and the list's one-line description for the page.
struct Target {
    list: String,
    address: String,
    description: String,
}

/// Checks the signature, then that the list still exists. A bad signature is reported before the
/// list is looked up, so an unsigned request learns nothing about which lists exist.
fn resolve(state: &WebState, token: &str) -> Result<Target, WebError> {
    let (list, address) = state
        .secret
        .verify_unsubscribe(token)
        .ok_or(WebError::BadToken)?;
    // We only ever sign posting addresses, so a signed list without '@' cannot name a list.
    let (name, domain) = list.rsplit_once('@').ok_or(WebError::UnknownList)?;
    let config = state
        .config
        .current()
        .lists
        .get(name, domain)
        .ok_or(WebError::UnknownList)?;
    Ok(Target {
        description: config.description.clone(),
        list,
        address,
    })
}

/// `GET /u/{token}`: the confirmation page. Changes nothing.
pub async fn show(
    State(state): State<WebState>,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let target = resolve(&state, &token)?;
    // No `action`: the form posts back to this page's own URL, whatever prefix a proxy adds.
    let body = html! {
        p {
            "Unsubscribe " strong { (mask(&target.address)) } " from " strong { (target.list) }
            (describe(&target.description)) "?"
        }
        form method="post" {
            input type="hidden" name="List-Unsubscribe" value="One-Click";
            button type="submit" { "Unsubscribe" }
        }
        p { "If you did not mean to leave, close this page: nothing has changed." }
    };
    Ok(page(StatusCode::OK, "Unsubscribe", body))
}

/// `POST /u/{token}`: unsubscribes at once (RFC 8058 §3.2).
pub async fn one_click(
    State(state): State<WebState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    let target = resolve(&state, &token)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    if !is_one_click(content_type, &body) {
        return Err(WebError::BadRequest(
            "This address takes a one-click unsubscribe request (List-Unsubscribe=One-Click).",
        ));
    }
    let store = state.store.clone();
    let (list, address) = (target.list.clone(), target.address.clone());
    let was_member =
        tokio::task::spawn_blocking(move || store.remove_member(&list, &address)).await??;
    tracing::info!(list = %target.list, address = %target.address, was_member, "one-click unsubscribe");
    // The same answer whether or not they were still a member: the outcome is what they asked for.
    let body = html! {
        p {
            strong { (mask(&target.address)) } " is no longer subscribed to "
            strong { (target.list) } (describe(&target.description)) "."
        }
    };
    Ok(page(StatusCode::OK, "Unsubscribed", body))
}

/// ` (description)`, or nothing.
fn describe(description: &str) -> String {
    if description.is_empty() {
        String::new()
    } else {
        format!(" ({description})")
    }
}

/// `alice@example.org` → `a…e@example.org`: enough for the owner to recognise, less for anyone
/// shown the page over their shoulder.
fn mask(address: &str) -> String {
    let Some((local, domain)) = address.rsplit_once('@') else {
        return "…".to_owned();
    };
    let chars: Vec<char> = local.chars().collect();
    match chars.as_slice() {
        [first, .., last] if chars.len() > 2 => format!("{first}…{last}@{domain}"),
        [first, ..] => format!("{first}…@{domain}"),
        [] => format!("…@{domain}"),
    }
}

/// Whether a POST body is the RFC 8058 one-click request. RFC 8058 §3.2 lets senders use
/// `multipart/form-data` or `application/x-www-form-urlencoded`; a body without a content type is
/// read as the latter, which is what every client seen in practice sends.
fn is_one_click(content_type: Option<&str>, body: &[u8]) -> bool {
    let is_multipart = content_type.is_some_and(|ct| {
        ct.trim_start()
            .to_ascii_lowercase()
            .starts_with("multipart/form-data")
    });
    if is_multipart {
        multipart_one_click(body)
    } else {
        body.split(|&b| b == b'&').any(|pair| {
            let (key, value) = match pair.iter().position(|&b| b == b'=') {
                Some(i) => (&pair[..i], &pair[i + 1..]),
                None => (pair, &[][..]),
            };
            form_decode(key).as_deref() == Some("List-Unsubscribe".as_bytes())
                && form_decode(value).as_deref() == Some("One-Click".as_bytes())
        })
    }
}

/// Looks for a part named `List-Unsubscribe` whose content is `One-Click`. A full multipart parser
/// would be more than this one field needs; a match has to be exact, so this never accepts a body
/// that a parser would reject as a one-click request.
fn multipart_one_click(body: &[u8]) -> bool {
    const NAME: &[u8] = b"name=\"List-Unsubscribe\"";
    let mut rest = body;
    while let Some(at) = find(rest, NAME) {
        rest = &rest[at + NAME.len()..];
        if let Some(start) = find(rest, b"\r\n\r\n") {
            let content = &rest[start + 4..];
            if content.starts_with(b"One-Click\r\n") {
                return true;
            }
        }
    }
    false
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Decodes one `application/x-www-form-urlencoded` component (`+` is a space, `%XX` a byte), or
/// `None` if a `%` escape is malformed.
fn form_decode(raw: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(raw.len());
    let mut bytes = raw.iter();
    while let Some(&b) = bytes.next() {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = char::from(*bytes.next()?).to_digit(16)?;
                let lo = char::from(*bytes.next()?).to_digit(16)?;
                out.push((hi * 16 + lo) as u8);
            }
            b => out.push(b),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_click_bodies() {
        let form = Some("application/x-www-form-urlencoded");
        let cases: &[(Option<&str>, &[u8], bool)] = &[
            (form, b"List-Unsubscribe=One-Click", true),
            (None, b"List-Unsubscribe=One-Click", true),
            (form, b"a=b&List-Unsubscribe=One%2DClick", true),
            (form, b"List-Unsubscribe=One-Click-Not", false),
            (form, b"List-Unsubscribe=", false),
            (form, b"", false),
            (form, b"List-Unsubscribe=One-Click%", false),
            (
                Some("multipart/form-data; boundary=XX"),
                b"--XX\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--XX--\r\n",
                true,
            ),
            (
                Some("multipart/form-data; boundary=XX"),
                b"--XX\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nNo\r\n--XX--\r\n",
                false,
            ),
        ];
        for (ct, body, want) in cases {
            assert_eq!(
                is_one_click(*ct, body),
                *want,
                "{ct:?} {}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn masks_the_local_part() {
        assert_eq!(mask("alice@example.org"), "a…e@example.org");
        assert_eq!(mask("al@example.org"), "a…@example.org");
        assert_eq!(mask("a@example.org"), "a…@example.org");
    }
}
