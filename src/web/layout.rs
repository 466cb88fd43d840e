//! The frame every archive and draft page shares: one maud template (no HTML is built by string
//! concatenation), one stylesheet served from `/arch/style.css` so the Content-Security-Policy can
//! forbid inline styles and every script, and the headers every response carries.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

/// The policy for every page: nothing may load but our own stylesheet; no scripts, no frames, no
/// remote or `cid:` images (a message's HTML is never rendered as HTML anyway), forms post back here.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
                       form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// One link in the breadcrumb line above a page's title.
pub struct Crumb {
    pub label: String,
    pub href: String,
}

impl Crumb {
    pub fn new(label: impl Into<String>, href: impl Into<String>) -> Crumb {
        Crumb {
            label: label.into(),
            href: href.into(),
        }
    }
}

/// A whole HTML page: `title` in `<title>` and `<h1>`, the breadcrumbs, then `body`.
pub fn page(status: StatusCode, title: &str, crumbs: &[Crumb], body: Markup) -> Response {
    let markup = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                link rel="stylesheet" href="/arch/style.css";
            }
            body {
                @if !crumbs.is_empty() {
                    nav.crumbs aria-label="breadcrumbs" {
                        @for (i, c) in crumbs.iter().enumerate() {
                            @if i > 0 { " › " }
                            a href=(c.href) { (c.label) }
                        }
                    }
                }
                h1 { (title) }
                (body)
            }
        }
    };
    html_response(status, markup)
}

/// `markup` as a `text/html` response with `status`.
pub fn html_response(status: StatusCode, markup: Markup) -> Response {
    let mut response = (status, markup.into_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// `GET /arch/style.css`: the one stylesheet. Small, readable on a phone and on paper.
pub async fn style() -> Response {
    let mut response = STYLE.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/css; charset=utf-8"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    response
}

const STYLE: &str = "\
body{font-family:system-ui,sans-serif;max-width:60rem;margin:0 auto;padding:0.5rem 1rem;line-height:1.4;color:#111;background:#fff}
a{color:#0645ad}
h1{font-size:1.4rem;overflow-wrap:anywhere}
h2{font-size:1.15rem}
nav.crumbs{font-size:0.9rem;margin:0.5rem 0}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:0.25rem 0.5rem;border-bottom:1px solid #ddd;vertical-align:top}
td.num,th.num{text-align:right}
pre,.body{white-space:pre-wrap;overflow-wrap:anywhere;font-family:ui-monospace,monospace;font-size:0.9rem}
.quote{color:#555}
details.quote summary{cursor:pointer;color:#555}
.headers{font-size:0.9rem}
.headers dt{font-weight:bold;float:left;clear:left;margin-right:0.5rem}
.headers dd{margin:0 0 0.2rem 0;overflow-wrap:anywhere}
ul.tree{list-style:none;padding-left:1rem}
ul.tree>li{margin:0.15rem 0}
.current{font-weight:bold}
.meta{color:#555;font-size:0.9rem}
.snippet{color:#333;font-size:0.9rem}
.error{background:#fee;border:1px solid #c00;padding:0.5rem}
.late,.nonmember{color:#777}
form.search input[type=search]{width:60%;max-width:30rem}
article.msg{border-top:1px solid #ccc;margin-top:1rem;padding-top:0.5rem}
@media (max-width:40rem){td.opt,th.opt{display:none}body{padding:0.25rem 0.5rem}}
@media print{nav.crumbs,form.search,.pager{display:none}a{color:#000;text-decoration:none}details.quote>*{display:block}}
";

/// `2024-05-01 13:45 UTC` for page text; empty for a timestamp out of range.
pub fn utc_minute(t: crate::clock::Timestamp) -> String {
    jiff::Timestamp::from_second(t)
        .map(|ts| ts.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// `2024-05-01` (UTC) for tables; empty for a timestamp out of range.
pub fn utc_day(t: crate::clock::Timestamp) -> String {
    jiff::Timestamp::from_second(t)
        .map(|ts| ts.strftime("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// How a sender is shown: the display name when there is one, else the address.
pub fn who(name: &str, addr: &str) -> String {
    if name.trim().is_empty() {
        addr.to_owned()
    } else {
        name.trim().to_owned()
    }
}
