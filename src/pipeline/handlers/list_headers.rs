//! RFC 2369 / RFC 2919 list headers, plus `Archived-At` (RFC 5064) and `Precedence: list`. Any
//! copies of these fields the poster's message carried are replaced, so readers' clients see this
//! list's values only. A message that came without a Message-ID gets the one the server assigned.

use crate::pipeline::{Context, Delivery};

/// Fields this handler owns; existing copies are removed.
const OWNED: &[&str] = &[
    "List-Id",
    "List-Post",
    "List-Help",
    "List-Subscribe",
    "List-Unsubscribe",
    "List-Archive",
    "List-Owner",
    "Archived-At",
    "Precedence",
];

pub fn run(ctx: &Context<'_>, d: &mut Delivery) {
    let list = ctx.list;
    let (name, domain) = (&list.name, &list.domain);
    let base = ctx.site.web.base_url.trim_end_matches('/');
    d.edit.remove.extend(OWNED.iter().map(|s| s.to_string()));
    if ctx.parsed.message_id.is_none() {
        d.edit.remove.push("Message-ID".into());
        d.edit
            .append
            .push(("Message-ID".into(), format!("<{}>", ctx.message_id)));
    }
    let mut add = |k: &str, v: String| d.edit.append.push((k.to_owned(), v));
    add("List-Id", list_id_value(&list.description, &list.list_id()));
    add("List-Post", format!("<mailto:{name}@{domain}>"));
    add(
        "List-Help",
        format!("<mailto:{name}-request@{domain}?subject=help>"),
    );
    add("List-Subscribe", format!("<mailto:{name}-join@{domain}>"));
    add(
        "List-Unsubscribe",
        format!("<mailto:{name}-leave@{domain}>"),
    );
    add("List-Archive", format!("<{base}/arch/browse/{name}/>"));
    add("List-Owner", format!("<mailto:{name}-owner@{domain}>"));
    add(
        "Archived-At",
        format!(
            "<{base}/arch/msg/{name}/{}>",
            crate::message::percent_encode(ctx.message_id)
        ),
    );
    add("Precedence", "list".into());
}

/// `List-Id: Description <name.domain>`; the phrase is quoted when it has specials and encoded when
/// it is not ASCII.
fn list_id_value(description: &str, id: &str) -> String {
    let description = description.trim();
    if description.is_empty() {
        return format!("<{id}>");
    }
    if !description.is_ascii() {
        return format!(
            "{} <{id}>",
            crate::message::encode_header_value(description)
        );
    }
    let plain = description
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || " !#$%&'*+-/=?^_`{|}~".contains(c));
    if plain {
        format!("{description} <{id}>")
    } else {
        format!(
            "\"{}\" <{id}>",
            description.replace('\\', "\\\\").replace('"', "\\\"")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_id_phrases() {
        assert_eq!(list_id_value("", "quic.ietf.org"), "<quic.ietf.org>");
        assert_eq!(
            list_id_value("QUIC WG", "quic.ietf.org"),
            "QUIC WG <quic.ietf.org>"
        );
        assert_eq!(
            list_id_value("QUIC (transport)", "q.x"),
            "\"QUIC (transport)\" <q.x>"
        );
    }

    #[test]
    fn encodes_message_ids_for_urls() {
        assert_eq!(crate::message::percent_encode("a+b/c@d.e"), "a%2Bb%2Fc@d.e");
    }
}
