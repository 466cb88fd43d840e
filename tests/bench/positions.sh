#!/usr/bin/env bash
# Position-classifier benchmark (issue 4): prints the classification rate over the messages of
# ../shared/corpus and the time of a `tally` recount of a 1,000-reply thread, from a release build.
# Targets: at least 20,000 messages/s and under 50 ms. Prints numbers only; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo test --release --test it positions::classification_rate_over_corpus -- --nocapture --exact 2>/dev/null \
  | grep '^positions:' \
  || { echo "bench: the positions test printed nothing (is ../shared/corpus present?)" >&2; exit 2; }
