//! DKIM in tests: RSA test keys under `tests/data/dkim/` (test keys only, made for these tests;
//! they vouch for no real domain), a site `[dkim]` section that knows their public halves without
//! DNS, and a signer for raw messages. `genuine` plays the IETF's key for `test._domainkey.ietf.org`;
//! `forger` is another key; `example.org` publishes the genuine key too, to test a wrong `d=`.

use mail_auth::common::crypto::{RsaKey, Sha256};
use mail_auth::common::headers::HeaderWriter;
use mail_auth::dkim::DkimSigner;
use rustls::pki_types::{PrivateKeyDer, pem::PemObject};

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/dkim");

/// Which test key signs.
#[derive(Clone, Copy)]
pub enum Key {
    Genuine,
    Forger,
}

fn read(file: &str) -> String {
    std::fs::read_to_string(format!("{DATA}/{file}")).expect("test key file")
}

/// The `p=` of the genuine key's record.
fn public_base64() -> String {
    read("genuine.pub.pem")
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect()
}

/// Site-file text (for `TestDaemon::start_with`'s `site_extra`): no DNS, and the genuine key
/// published as `test._domainkey.ietf.org` and `test._domainkey.example.org`.
pub fn site() -> String {
    let record = format!("v=DKIM1; k=rsa; p={}", public_base64());
    format!(
        "\n[dkim]\ndns = false\nkeys = [\n  {{ name = \"test._domainkey.ietf.org\", record = \"{record}\" }},\n  {{ name = \"test._domainkey.example.org\", record = \"{record}\" }},\n]\n"
    )
}

/// `raw` (with `\n` line ends, as `TestDaemon::send_raw` takes it) with a DKIM-Signature by `key`
/// for `d=domain`, `s=test`, over From, To, Subject and Message-ID, signed as it will be sent
/// (CRLF).
pub fn sign(raw: &str, key: Key, domain: &str) -> String {
    let pem = read(match key {
        Key::Genuine => "genuine.key.pem",
        Key::Forger => "forger.key.pem",
    });
    let der = PrivateKeyDer::from_pem_slice(pem.as_bytes()).expect("test key PEM");
    let pk = RsaKey::<Sha256>::from_key_der(der).expect("test key");
    let signature = DkimSigner::from_key(pk)
        .domain(domain)
        .selector("test")
        .headers(["From", "To", "Subject", "Message-ID"])
        .sign(raw.replace('\n', "\r\n").as_bytes())
        .expect("signs");
    format!("{}{raw}", signature.to_header().replace("\r\n", "\n"))
}
