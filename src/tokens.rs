//! Secrets that stand for a person's consent (DESIGN §6): random confirmation tokens, and the
//! site secret that signs one-click unsubscribe URLs (RFC 8058).
//!
//! This module makes and checks tokens; it does not store them. Binding a confirmation token to
//! (list, address, action), expiring it and using it once is the store's job. The only I/O here is
//! reading or creating the secret file.

use std::fs::{self, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use ring::hmac;

/// Bytes of randomness in a confirmation token: 128 bits.
const TOKEN_BYTES: usize = 16;

/// Bytes in the site secret.
pub const SECRET_BYTES: usize = 32;

/// The site secret's file name in the data directory.
pub const SECRET_FILE: &str = "secret.key";

/// Keeps a one-click token from being valid as any other kind of signature made with the same
/// secret later.
const UNSUBSCRIBE_CONTEXT: &[u8] = b"wgmail unsubscribe v1\0";

/// The longest token [`Secret::verify_unsubscribe`] looks at; real ones are far shorter, and this
/// bounds the work an attacker can ask for.
const MAX_SIGNED_TOKEN: usize = 2048;

/// A fresh confirmation token: 128 bits from the OS CSPRNG as 32 lowercase hex digits, safe in a
/// local part (`wg-confirm+TOKEN@D`), a Subject and a URL. Fails only if the OS has no RNG.
pub fn new_token() -> io::Result<String> {
    let mut bytes = [0u8; TOKEN_BYTES];
    fill_random(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Whether `s` could be a token from [`new_token`]: 32 hex digits. Upper case is accepted because
/// some mail paths upper-case local parts; callers compare tokens lower-cased.
pub fn is_token_syntax(s: &str) -> bool {
    s.len() == 2 * TOKEN_BYTES && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn fill_random(bytes: &mut [u8]) -> io::Result<()> {
    getrandom::fill(bytes)
        .map_err(|e| io::Error::other(format!("the OS random number generator failed: {e}")))
}

/// The site secret that signs one-click unsubscribe tokens. Kept in `DATA_DIR/secret.key`, so
/// links in mail already sent stay valid across restarts; deleting the file revokes them all.
pub struct Secret {
    key: hmac::Key,
}

impl std::fmt::Debug for Secret {
    /// Never prints the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    /// A secret from raw bytes, for tests and for [`Secret::load_or_create`].
    pub fn from_bytes(bytes: &[u8; SECRET_BYTES]) -> Secret {
        Secret {
            key: hmac::Key::new(hmac::HMAC_SHA256, bytes),
        }
    }

    /// Reads `data_dir/secret.key`, or creates it with 32 random bytes and mode 0600 if absent.
    ///
    /// Creation writes a temporary file and hard-links it into place, which is atomic and never
    /// replaces a file another process created meanwhile (that one wins and is read instead). A
    /// file of the wrong size, or one that others can read, is refused rather than repaired: it
    /// means something other than wgmail wrote it, or its secrecy is already lost.
    pub fn load_or_create(data_dir: &Path) -> io::Result<Secret> {
        let path = data_dir.join(SECRET_FILE);
        match fs::File::open(&path) {
            Ok(file) => return Self::read(file, &path),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(with_path(e, "cannot open", &path)),
        }
        let mut bytes = [0u8; SECRET_BYTES];
        fill_random(&mut bytes)?;
        let tmp = data_dir.join(format!(".{SECRET_FILE}.{}.tmp", std::process::id()));
        let written = (|| {
            let mut file = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&tmp)?;
            file.write_all(&bytes)?;
            file.sync_all()
        })();
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(with_path(e, "cannot write", &tmp));
        }
        let linked = fs::hard_link(&tmp, &path);
        let _ = fs::remove_file(&tmp);
        match linked {
            Ok(()) => {
                // Make the new name durable before any token signed with it goes out.
                fs::File::open(data_dir)
                    .and_then(|dir| dir.sync_all())
                    .map_err(|e| with_path(e, "cannot sync", data_dir))?;
                Ok(Self::from_bytes(&bytes))
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                let file = fs::File::open(&path).map_err(|e| with_path(e, "cannot open", &path))?;
                Self::read(file, &path)
            }
            Err(e) => Err(with_path(e, "cannot create", &path)),
        }
    }

    /// The daemon's way to get the site secret: [`Secret::load_or_create`] on tokio's blocking
    /// pool, with the error text every caller reports. Both the server (which refuses to start
    /// without it) and the outbound runner (which then sends only the mailto link) use this, so
    /// the secret is read one way and a failure reads the same in either place.
    pub async fn load_site(data_dir: &Path) -> anyhow::Result<Secret> {
        use anyhow::Context as _;
        let dir = data_dir.to_owned();
        tokio::task::spawn_blocking(move || Secret::load_or_create(&dir))
            .await
            .context("loading the site secret")?
            .context("loading the site secret")
    }

    fn read(file: fs::File, path: &Path) -> io::Result<Secret> {
        let mode = file
            .metadata()
            .map_err(|e| with_path(e, "cannot stat", path))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!(
                    "{} is readable by other users (mode {:o}); run `chmod 600` on it, or delete it \
                     to make a new one (which invalidates unsubscribe links already sent)",
                    path.display(),
                    mode & 0o777
                ),
            ));
        }
        // Read one byte more than expected so a longer file is noticed without reading it all.
        let mut bytes = Vec::with_capacity(SECRET_BYTES + 1);
        file.take(SECRET_BYTES as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| with_path(e, "cannot read", path))?;
        let bytes: [u8; SECRET_BYTES] = bytes.as_slice().try_into().map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{} is not a wgmail secret: it must hold exactly {SECRET_BYTES} bytes; delete it \
                     to make a new one (which invalidates unsubscribe links already sent)",
                    path.display()
                ),
            )
        })?;
        Ok(Self::from_bytes(&bytes))
    }

    /// A URL-safe token naming `list` and `address`: `base64url(list NUL address) "."
    /// base64url(HMAC-SHA256 tag)`. It does not expire: RFC 8058 links must keep working in old
    /// mail, and unsubscribing twice is harmless.
    pub fn sign_unsubscribe(&self, list: &str, address: &str) -> String {
        // A NUL would make the split in `verify_unsubscribe` ambiguous; neither list names nor
        // addresses the server accepted can contain one.
        debug_assert!(!list.contains('\0') && !address.contains('\0'));
        let mut payload = Vec::with_capacity(list.len() + 1 + address.len());
        payload.extend_from_slice(list.as_bytes());
        payload.push(0);
        payload.extend_from_slice(address.as_bytes());
        let tag = hmac::sign(&self.key, &signed_data(&payload));
        format!(
            "{}.{}",
            base64url_encode(&payload),
            base64url_encode(tag.as_ref())
        )
    }

    /// The one-click link for `address` on `list` (the posting address), for `List-Unsubscribe`:
    /// `base_url/u/TOKEN`, which the web listener serves. `base_url` is `site.web.base_url`; a
    /// trailing slash is tolerated. It is built here, beside the signing, so that outbound (which
    /// puts it in mail) and web (which answers it) both depend on `tokens` and not on each other.
    pub fn unsubscribe_url(&self, base_url: &str, list: &str, address: &str) -> String {
        format!(
            "{}/u/{}",
            base_url.trim_end_matches('/'),
            self.sign_unsubscribe(list, address)
        )
    }

    /// The (list, address) a token from [`Secret::sign_unsubscribe`] names, or `None` if it was not
    /// made with this secret or was altered in any way. The tag is checked in constant time.
    pub fn verify_unsubscribe(&self, token: &str) -> Option<(String, String)> {
        if token.len() > MAX_SIGNED_TOKEN {
            return None;
        }
        let (payload, tag) = token.split_once('.')?;
        let payload = base64url_decode(payload)?;
        let tag = base64url_decode(tag)?;
        hmac::verify(&self.key, &signed_data(&payload), &tag).ok()?;
        let payload = String::from_utf8(payload).ok()?;
        let (list, address) = payload.split_once('\0')?;
        Some((list.to_owned(), address.to_owned()))
    }
}

fn signed_data(payload: &[u8]) -> Vec<u8> {
    [UNSUBSCRIBE_CONTEXT, payload].concat()
}

fn with_path(e: io::Error, what: &str, path: &Path) -> io::Error {
    io::Error::new(e.kind(), format!("{what} {}: {e}", path.display()))
}

/// Unpadded base64url (RFC 4648 §5).
fn base64url_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes unpadded base64url, refusing anything [`base64url_encode`] would not have produced
/// (padding, other characters, a stray final character, or set bits past the last byte), so each
/// byte string has exactly one accepted token. `URL_SAFE_NO_PAD` requires the padding to be
/// absent and does not allow trailing bits; the tests below hold it to that.
fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trips() {
        for len in 0..=70usize {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 250) as u8).collect();
            let text = base64url_encode(&bytes);
            assert!(!text.contains(['=', '+', '/']), "{text}");
            assert_eq!(text.len(), (len * 4).div_ceil(3), "{text}");
            assert_eq!(base64url_decode(&text), Some(bytes), "{text}");
        }
        assert_eq!(base64url_encode(b"\xfb\xff"), "-_8");
        assert_eq!(base64url_encode(b"wg\0a@b.c"), "d2cAYUBiLmM");
    }

    #[test]
    fn base64url_decode_accepts_only_what_encode_makes() {
        for bad in [
            // Padding, even where it would be correct.
            "-_8=", "AA==", "AAA=", "=",
            // The standard alphabet's characters, whitespace and others.
            "+_8", "-/8", "AA AA", "AA\nAA", "AA.A", "ÄAAA",
            // A stray final character: 4n+1 digits.
            "A", "AAAAA",
            // Bits set past the last byte ("AA" and "AAA" are the canonical forms).
            "AB", "AAB", "-_9",
        ] {
            assert_eq!(base64url_decode(bad), None, "{bad:?}");
        }
        assert_eq!(base64url_decode(""), Some(Vec::new()));
        assert_eq!(base64url_decode("AA"), Some(vec![0]));
        assert_eq!(base64url_decode("AAA"), Some(vec![0, 0]));
        assert_eq!(base64url_decode("-_8"), Some(vec![0xfb, 0xff]));
    }

    #[test]
    fn altered_tokens_do_not_verify() {
        let secret = Secret::from_bytes(&[7; SECRET_BYTES]);
        let token = secret.sign_unsubscribe("quic@ietf.test", "a@b.c");
        assert_eq!(
            secret.verify_unsubscribe(&token),
            Some(("quic@ietf.test".to_owned(), "a@b.c".to_owned()))
        );
        let (payload, tag) = token.split_once('.').unwrap();
        for altered in [
            format!("{payload}=.{tag}"),
            format!("{payload}.{tag}="),
            format!("{payload}A.{tag}"),
            format!("{payload}.{tag}A"),
            format!("{payload}.{}", &tag[1..]),
            format!("{payload}{tag}"),
        ] {
            assert_eq!(secret.verify_unsubscribe(&altered), None, "{altered}");
        }
    }

    #[test]
    fn url_has_no_double_slash() {
        let secret = Secret::from_bytes(&[7; SECRET_BYTES]);
        let url = secret.unsubscribe_url("https://lists.example/", "quic@ietf.test", "a@b.c");
        assert!(url.starts_with("https://lists.example/u/"), "{url}");
        let token = url.rsplit('/').next().unwrap_or_default();
        assert_eq!(
            secret.verify_unsubscribe(token),
            Some(("quic@ietf.test".to_owned(), "a@b.c".to_owned()))
        );
    }
}
