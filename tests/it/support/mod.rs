//! Shared test helpers: where the shared corpus lives, a capturing relay, a daemon in a temp dir.

pub mod corpus;
pub mod daemon;
pub mod dkim;
pub mod relay;
pub mod web;

use std::path::PathBuf;

/// The shared corpus of real mail (`../shared/corpus` beside the checkout, or `$WGMAIL_CORPUS`).
/// Returns `None` and prints a notice when it is absent, so corpus tests skip visibly instead of
/// failing on a machine without it.
pub fn corpus_dir() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("WGMAIL_CORPUS").map(PathBuf::from),
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus")),
    ];
    for c in candidates.into_iter().flatten() {
        if c.is_dir() {
            return Some(c);
        }
    }
    eprintln!("NOTICE: ../shared/corpus not found; skipping corpus test");
    None
}
