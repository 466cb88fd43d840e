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

/// Proleptic Gregorian (year, month 1-12, day 1-31) of a count of days since 1970-01-01, for any
/// count an `i64` timestamp divides into.
///
/// jiff does the calendar arithmetic, but it knows only the years -9999..=9999, while a `Date:`
/// header (and so an mbox `From ` line) can name any year. The Gregorian calendar repeats every
/// 400 years, which are 146 097 days and a whole number of weeks, so the day is moved into the
/// 400 years from 1970 and the cycles are added back to the year: every input keeps the date it
/// had when this was hand-written.
pub(crate) fn civil_from_days(days: i64) -> (i64, i8, i8) {
    const CYCLE_DAYS: i64 = 146_097;
    let cycles = days.div_euclid(CYCLE_DAYS);
    let date = jiff::civil::date(1970, 1, 1) + jiff::Span::new().days(days.rem_euclid(CYCLE_DAYS));
    (
        i64::from(date.year()) + 400 * cycles,
        date.month(),
        date.day(),
    )
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

    /// Edge dates, with what the hand-written Hinnant algorithm printed for them before jiff
    /// took over: leap days, the century rule, year 1 and 0, jiff's limits and beyond them.
    #[test]
    fn edge_dates_format_as_before() {
        let cases = [
            (0, "1970-01-01", "Thu, 01 Jan 1970 00:00:00 +0000"),
            (-1, "1969-12-31", "Wed, 31 Dec 1969 23:59:59 +0000"),
            (951_782_400, "2000-02-29", "Tue, 29 Feb 2000 00:00:00 +0000"),
            (951_868_799, "2000-02-29", "Tue, 29 Feb 2000 23:59:59 +0000"),
            (
                1_709_164_800,
                "2024-02-29",
                "Thu, 29 Feb 2024 00:00:00 +0000",
            ),
            (
                -2_203_891_200,
                "1900-03-01",
                "Thu, 01 Mar 1900 00:00:00 +0000",
            ),
            (
                -2_203_891_201,
                "1900-02-28",
                "Wed, 28 Feb 1900 23:59:59 +0000",
            ),
            (
                -2_208_988_800,
                "1900-01-01",
                "Mon, 01 Jan 1900 00:00:00 +0000",
            ),
            (
                253_402_300_799,
                "9999-12-31",
                "Fri, 31 Dec 9999 23:59:59 +0000",
            ),
            (
                253_402_300_800,
                "10000-01-01",
                "Sat, 01 Jan 10000 00:00:00 +0000",
            ),
            (
                -62_135_596_800,
                "0001-01-01",
                "Mon, 01 Jan 1 00:00:00 +0000",
            ),
            (
                -62_135_596_801,
                "0000-12-31",
                "Sun, 31 Dec 0 23:59:59 +0000",
            ),
            (
                -62_167_219_200,
                "0000-01-01",
                "Sat, 01 Jan 0 00:00:00 +0000",
            ),
            (
                -377_705_116_800,
                "-9999-01-01",
                "Mon, 01 Jan -9999 00:00:00 +0000",
            ),
            (
                -377_705_116_801,
                "-10000-12-31",
                "Sun, 31 Dec -10000 23:59:59 +0000",
            ),
            (
                i64::MAX,
                "292277026596-12-04",
                "Sun, 04 Dec 292277026596 15:30:07 +0000",
            ),
            (
                i64::MIN,
                "-292277022657-01-27",
                "Sun, 27 Jan -292277022657 08:29:52 +0000",
            ),
        ];
        for (ts, date, rfc) in cases {
            assert_eq!(ymd(ts), date, "ymd({ts})");
            assert_eq!(rfc5322_date(ts), rfc, "rfc5322_date({ts})");
        }
    }

    /// Across all of jiff's years, the day moved into 1970..2370 and shifted back by whole cycles
    /// is the day jiff reaches directly.
    #[test]
    fn cycle_shift_agrees_with_jiff() {
        let epoch = jiff::civil::date(1970, 1, 1);
        let first = jiff::civil::date(-9999, 1, 1)
            .since(epoch)
            .unwrap()
            .get_days();
        let last = jiff::civil::date(9999, 12, 31)
            .since(epoch)
            .unwrap()
            .get_days();
        for days in (i64::from(first)..=i64::from(last)).step_by(13) {
            let direct = epoch + jiff::Span::new().days(days);
            assert_eq!(
                civil_from_days(days),
                (i64::from(direct.year()), direct.month(), direct.day()),
                "day {days}"
            );
        }
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = Clock::manual(100);
        assert_eq!(c.now(), 100);
        c.advance(50);
        assert_eq!(c.now(), 150);
    }
}

/// The calendar day `ts` falls on in `tz`, or `None` if `ts` is out of jiff's range (about
/// ±9999 years).
pub fn checked_local_date(tz: &jiff::tz::TimeZone, ts: Timestamp) -> Option<jiff::civil::Date> {
    let t = jiff::Timestamp::from_second(ts).ok()?;
    Some(t.to_zoned(tz.clone()).date())
}

/// The calendar day `ts` falls on in `tz`; the epoch's day there if `ts` is out of jiff's range.
pub fn local_date(tz: &jiff::tz::TimeZone, ts: Timestamp) -> jiff::civil::Date {
    checked_local_date(tz, ts)
        .unwrap_or_else(|| jiff::Timestamp::UNIX_EPOCH.to_zoned(tz.clone()).date())
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

    #[test]
    fn local_date_out_of_range() {
        let la = jiff::tz::TimeZone::get("America/Los_Angeles").unwrap();
        assert_eq!(
            checked_local_date(&la, 0),
            Some(jiff::civil::date(1969, 12, 31))
        );
        assert_eq!(checked_local_date(&la, i64::MAX), None);
        assert_eq!(local_date(&la, i64::MAX), jiff::civil::date(1969, 12, 31));
    }
}
