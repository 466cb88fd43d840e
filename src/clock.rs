//! Time as a dependency: the daemon reads `now` through a [`Clock`] so tests can inject a fixed or
//! stepped clock for deadlines, retries and expiry, and formats dates for mail headers.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::sync::watch;

/// Seconds since the Unix epoch, UTC. Every stored timestamp uses this unit.
pub type Timestamp = i64;

/// Where "now" comes from. Production uses the system clock; tests share a [`Clock::manual`] handle
/// and move it forward explicitly, so no test sleeps to wait for a deadline.
#[derive(Clone, Debug)]
pub enum Clock {
    System,
    /// A test clock; the watch channel lets sleeping runners wake when a test moves time.
    Manual(Arc<watch::Sender<Timestamp>>),
}

impl Clock {
    /// A clock fixed at `start` until [`Clock::advance`] moves it.
    pub fn manual(start: Timestamp) -> Self {
        Clock::Manual(Arc::new(watch::channel(start).0))
    }

    /// Resolves when a manual clock is moved; never for the system clock (real time passing is
    /// what the caller's own timer covers). Runners wait on this beside their timers.
    pub fn advanced(&self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let rx = match self {
            Clock::System => None,
            Clock::Manual(tx) => Some(tx.subscribe()),
        };
        async move {
            match rx {
                Some(mut rx) => {
                    let _ = rx.changed().await;
                }
                None => std::future::pending().await,
            }
        }
    }

    pub fn now(&self) -> Timestamp {
        match self {
            Clock::System => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0),
            Clock::Manual(t) => *t.borrow(),
        }
    }

    /// Moves a manual clock forward; a no-op on the system clock.
    pub fn advance(&self, secs: i64) {
        if let Clock::Manual(t) = self {
            t.send_modify(|now| *now += secs);
        }
    }
}

/// Formats a timestamp as an RFC 5322 date in UTC, e.g. `Sat, 28 Nov 2026 15:38:15 +0000`.
pub fn rfc5322_date(ts: Timestamp) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = ts.div_euclid(86_400);
    let secs = ts.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} +0000",
        DAYS[days.rem_euclid(7) as usize],
        d,
        MONTHS[(m - 1) as usize],
        y,
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    )
}

/// Formats a timestamp as `YYYY-MM-DD` in UTC.
pub fn ymd(ts: Timestamp) -> String {
    let (y, m, d) = civil_from_days(ts.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// Howard Hinnant's days-to-civil algorithm: proleptic Gregorian (year, month, day) for a day count
/// since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_dates() {
        assert_eq!(rfc5322_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
        assert_eq!(
            rfc5322_date(1_795_880_295),
            "Sat, 28 Nov 2026 15:38:15 +0000"
        );
        assert_eq!(ymd(951_782_400), "2000-02-29");
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = Clock::manual(100);
        assert_eq!(c.now(), 100);
        c.advance(50);
        assert_eq!(c.now(), 150);
    }
}

/// The calendar day `ts` falls on in `tz`.
pub fn local_date(tz: &jiff::tz::TimeZone, ts: Timestamp) -> jiff::civil::Date {
    jiff::Timestamp::from_second(ts)
        .unwrap_or(jiff::Timestamp::UNIX_EPOCH)
        .to_zoned(tz.clone())
        .date()
}

/// `YYYY-MM-DD` of `ts` in `tz`.
pub fn local_ymd(tz: &jiff::tz::TimeZone, ts: Timestamp) -> String {
    local_date(tz, ts).to_string()
}

/// The last second of `date` in `tz` (where deadlines fall). DST is handled: the day ends where
/// the next one starts, whatever its length.
pub fn end_of_day(tz: &jiff::tz::TimeZone, date: jiff::civil::Date) -> Option<Timestamp> {
    let next = date.tomorrow().ok()?.to_zoned(tz.clone()).ok()?;
    Some(next.timestamp().as_second() - 1)
}

#[cfg(test)]
mod tz_tests {
    use super::*;

    #[test]
    fn end_of_day_follows_the_zone() {
        let la = jiff::tz::TimeZone::get("America/Los_Angeles").unwrap();
        let d = jiff::civil::date(2026, 12, 12);
        // 2026-12-13 00:00 PST = 08:00 UTC.
        let end = end_of_day(&la, d).unwrap();
        assert_eq!(ymd(end), "2026-12-13");
        assert_eq!(local_ymd(&la, end), "2026-12-12");
        assert_eq!(local_ymd(&la, end + 1), "2026-12-13");
        let utc = jiff::tz::TimeZone::UTC;
        assert_eq!(end_of_day(&utc, d).unwrap() % 86_400, 86_399);
    }
}
