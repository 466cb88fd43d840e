//! The maildir sink: one file per recipient copy, written to `tmp/`, fsynced and renamed into
//! `new/`. File names are derived from the outbound row and the recipient, so a delivery replayed
//! after a crash replaces its own earlier file instead of adding a second copy.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Creates `dir/{tmp,new,cur}` if needed.
pub fn ensure(dir: &Path) -> std::io::Result<()> {
    for sub in ["tmp", "new", "cur"] {
        std::fs::create_dir_all(dir.join(sub))?;
    }
    Ok(())
}

/// Writes one copy for each recipient and returns after all are durable.
pub fn deliver(
    dir: &Path,
    row_id: i64,
    created_at: i64,
    mail_from: &str,
    rcpts: &[String],
    body: &[u8],
) -> std::io::Result<()> {
    ensure(dir)?;
    for rcpt in rcpts {
        let name = format!(
            "{created_at}.W{row_id}_{:016x}.wgmail",
            crate::message::content_hash(rcpt.as_bytes())
        );
        let tmp: PathBuf = dir.join("tmp").join(&name);
        let mut f = std::fs::File::create(&tmp)?;
        let eol: &[u8] = if crate::message::line_ending(body) == "\r\n" {
            b"\r\n"
        } else {
            b"\n"
        };
        f.write_all(format!("Return-Path: <{mail_from}>").as_bytes())?;
        f.write_all(eol)?;
        f.write_all(format!("Delivered-To: {rcpt}").as_bytes())?;
        f.write_all(eol)?;
        f.write_all(body)?;
        f.sync_all()?;
        std::fs::rename(&tmp, dir.join("new").join(&name))?;
    }
    std::fs::File::open(dir.join("new"))?.sync_all()?;
    Ok(())
}
