//! Outbound delivery: the runner that drains the durable outbound queue, through the pipelined SMTP
//! client to the relay (`outbound.mode = "smtp"`) or into a maildir (`"maildir"`, development and
//! tests). Rows leave the queue only after the relay (or the disk) has taken every recipient or
//! they failed for good; temporary failures are retried with backoff for `outbound.retry_for`.

pub mod client;
pub mod maildir;
pub mod runner;

use crate::clock::Timestamp;

/// Delay before the next attempt after `attempts` failed ones: 1 min, doubling, at most 4 hours.
pub fn backoff(attempts: i64) -> Timestamp {
    let exp = attempts.clamp(0, 20) as u32;
    (60i64.saturating_mul(1i64 << exp)).min(4 * 3600)
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_grows_and_caps() {
        assert_eq!(super::backoff(0), 60);
        assert_eq!(super::backoff(1), 120);
        assert_eq!(super::backoff(5), 1920);
        assert_eq!(super::backoff(50), 4 * 3600);
    }
}
