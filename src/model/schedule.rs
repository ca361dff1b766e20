//! When a window is open: a CronJob schedule in a time zone, and the
//! schedule of its closing, as the cluster runs them.
//!
//! A window opens at every time its schedule names (in its zone, as a
//! CronJob with `timeZone` runs) and closes at the first time after that
//! its closing schedule names: the opening schedule moved forward by the
//! duration in local wall-clock time, so the closing CronJob is an ordinary
//! schedule too. On a night the clocks change, a window spanning the
//! change is an hour longer or shorter in elapsed time; `--at` answers as
//! the cluster would. Schedules use what Kubernetes CronJobs accept: five
//! fields (`*`, lists, ranges, steps, month and weekday names) or the
//! `@yearly`, `@monthly`, `@weekly`, `@daily`, `@hourly` descriptors.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use croner::Cron;

/// A parsed window schedule.
#[derive(Clone)]
pub struct Schedule {
    /// The opening schedule as written (descriptors expanded).
    pub open: String,
    /// The closing schedule: `open` moved by the duration.
    pub close: String,
    pub zone: Tz,
    /// Minutes of wall-clock time the window lasts.
    pub minutes: u32,
    open_cron: Cron,
    close_cron: Cron,
}

impl std::fmt::Debug for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Schedule({:?} in {} for {}, closing {:?})",
            self.open,
            self.zone,
            human(self.minutes),
            self.close
        )
    }
}

/// One opening of a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opening {
    pub opens: DateTime<Utc>,
    pub closes: DateTime<Utc>,
}

impl Schedule {
    /// Parses `expr` in `zone` with a duration of `minutes`. Errors are
    /// messages for the field they name: `Err((field, message))` with
    /// `field` one of `schedule`, `duration`, `timeZone`.
    pub fn new(expr: &str, minutes: u32, zone: &str) -> Result<Schedule, (&'static str, String)> {
        let zone: Tz = zone.parse().map_err(|_| {
            (
                "timeZone",
                format!("{zone:?} is not an IANA time zone name (like Europe/Berlin or Etc/UTC)"),
            )
        })?;
        let open = expand(expr).map_err(|m| ("schedule", m))?;
        let open_cron = parse(&open).map_err(|m| ("schedule", m))?;
        if minutes == 0 {
            return Err(("duration", "must be at least one minute".into()));
        }
        let close = shift(&open, minutes).map_err(|m| ("duration", m))?;
        let close_cron = parse(&close).map_err(|m| ("duration", m))?;
        let s = Schedule {
            open,
            close,
            zone,
            minutes,
            open_cron,
            close_cron,
        };
        s.check_period().map_err(|m| ("duration", m))?;
        Ok(s)
    }

    /// The first opening after `t` (exclusive).
    pub fn next_opening(&self, t: DateTime<Utc>) -> Option<Opening> {
        let local = t.with_timezone(&self.zone);
        let opens = self.open_cron.find_next_occurrence(&local, false).ok()?;
        let closes = self.close_cron.find_next_occurrence(&opens, false).ok()?;
        Some(Opening {
            opens: opens.with_timezone(&Utc),
            closes: closes.with_timezone(&Utc),
        })
    }

    /// The opening `t` falls in, if the window is open at `t` (opening
    /// minute included, closing minute excluded).
    pub fn open_at(&self, t: DateTime<Utc>) -> Option<Opening> {
        let local = t.with_timezone(&self.zone);
        let opens = self.open_cron.find_previous_occurrence(&local, true).ok()?;
        let closes = self.close_cron.find_next_occurrence(&opens, false).ok()?;
        let o = Opening {
            opens: opens.with_timezone(&Utc),
            closes: closes.with_timezone(&Utc),
        };
        (t < o.closes).then_some(o)
    }

    /// The next `n` openings after `t`.
    pub fn openings(&self, t: DateTime<Utc>, n: usize) -> Vec<Opening> {
        let mut out = Vec::new();
        let mut at = t;
        while out.len() < n {
            let Some(o) = self.next_opening(at) else {
                break;
            };
            at = o.opens;
            out.push(o);
        }
        out
    }

    /// Every window closes before it opens again: over four years of
    /// openings (a leap day included), the duration is shorter than the
    /// time to the next opening.
    fn check_period(&self) -> Result<(), String> {
        let start = DateTime::<Utc>::from_timestamp(1_767_225_600, 0).unwrap_or_default(); // 2026-01-01
        let end = start + chrono::Duration::days(4 * 366);
        let mut at = start;
        while let Some(o) = self.next_opening(at) {
            if o.opens > end {
                break;
            }
            if let Some(next) = self.next_opening(o.opens)
                && chrono::Duration::minutes(i64::from(self.minutes)) >= next.opens - o.opens
            {
                return Err(format!(
                    "{} is longer than the time between two openings ({} and {}): the window would never close",
                    human(self.minutes),
                    o.opens
                        .with_timezone(&self.zone)
                        .format("%Y-%m-%d %H:%M %Z"),
                    next.opens
                        .with_timezone(&self.zone)
                        .format("%Y-%m-%d %H:%M %Z"),
                ));
            }
            at = o.opens;
        }
        Ok(())
    }
}

/// `2h`, `1h30m`, `45m`.
pub fn human(minutes: u32) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m}m"),
        (h, 0) => format!("{h}h"),
        (h, m) => format!("{h}h{m}m"),
    }
}

/// Parses a duration in whole minutes: `2h`, `90m`, `1h30m`.
pub fn minutes(text: &str) -> Result<u32, String> {
    let d = humantime::parse_duration(text)
        .map_err(|e| format!("{text:?} is not a duration like 2h, 90m or 1h30m: {e}"))?;
    if d.as_secs() % 60 != 0 || d.subsec_nanos() != 0 {
        return Err(format!(
            "{text:?} is not whole minutes; CronJobs run on minutes"
        ));
    }
    u32::try_from(d.as_secs() / 60).map_err(|_| format!("{text:?} is too long"))
}

fn parse(expr: &str) -> Result<Cron, String> {
    Cron::from_str(expr).map_err(|e| format!("{expr:?} is not a valid schedule: {e}"))
}

/// The schedule as five fields: descriptors expanded, and what Kubernetes
/// would refuse refused.
fn expand(expr: &str) -> Result<String, String> {
    let e = expr.trim();
    if e.contains("TZ=") {
        return Err(format!(
            "{expr:?}: CronJobs refuse TZ= in the schedule; give the zone as timeZone"
        ));
    }
    let fields = match e {
        "@yearly" | "@annually" => "0 0 1 1 *",
        "@monthly" => "0 0 1 * *",
        "@weekly" => "0 0 * * 0",
        "@daily" | "@midnight" => "0 0 * * *",
        "@hourly" => "0 * * * *",
        d if d.starts_with('@') => {
            return Err(format!(
                "{expr:?}: use five fields or @yearly, @monthly, @weekly, @daily, @hourly"
            ));
        }
        f => f,
    };
    let n = fields.split_whitespace().count();
    if n != 5 {
        return Err(format!(
            "{expr:?} has {n} fields; a CronJob schedule has five: minute hour day-of-month month day-of-week"
        ));
    }
    if let Some(c) = fields.chars().find(|c| matches!(c, 'L' | 'W' | '#')) {
        return Err(format!("{expr:?}: CronJobs do not support {c:?}"));
    }
    Ok(fields.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// The schedule `minutes` later in wall-clock time. Possible when the
/// minute is one number and the hours are `*` (a window shorter than an
/// hour) or numbers, lists, ranges and steps; a shift past midnight moves
/// the weekdays (the day of month must then be `*`).
fn shift(open: &str, minutes: u32) -> Result<String, String> {
    let f: Vec<&str> = open.split_whitespace().collect();
    let Ok(min) = f[0].parse::<u32>() else {
        return Err(format!(
            "the window must close on a schedule too: the minute of {open:?} must be one number (like \"30 2 * * 6\")"
        ));
    };
    let new_min = (min + minutes) % 60;
    if f[1] == "*" {
        if min + minutes >= 60 {
            return Err(format!(
                "{} from {open:?} outlasts the hour it opens in, every hour",
                human(minutes)
            ));
        }
        return Ok(format!("{new_min} * {} {} {}", f[2], f[3], f[4]));
    }
    let hours = expand_field(f[1], 0, 23).ok_or_else(|| {
        format!(
            "the window must close on a schedule too: cannot read the hours {:?} of {open:?}",
            f[1]
        )
    })?;
    let mut new_hours = Vec::new();
    let mut carries = Vec::new();
    for h in hours {
        let total = h * 60 + min + minutes;
        carries.push(total / (24 * 60));
        new_hours.push((total % (24 * 60)) / 60);
    }
    new_hours.sort_unstable();
    new_hours.dedup();
    carries.sort_unstable();
    carries.dedup();
    let every_day = |x: &str| x == "*" || x == "?";
    let days = match carries.as_slice() {
        [c] => *c,
        _ if every_day(f[2]) && every_day(f[4]) => 0,
        _ => {
            return Err(format!(
                "a window of {} from {open:?} closes on the same day for some openings and the next for others, which no schedule can name",
                human(minutes)
            ));
        }
    };
    let weekdays = if days == 0 || every_day(f[4]) && every_day(f[2]) {
        f[4].to_string()
    } else if !every_day(f[2]) {
        return Err(format!(
            "a window of {} from {open:?} closes on another day of the month, which no schedule can name; end it the same day, or schedule by weekday",
            human(minutes)
        ));
    } else {
        shift_weekdays(f[4], days).ok_or_else(|| {
            format!(
                "cannot move the weekdays {:?} of {open:?} by {days} day(s)",
                f[4]
            )
        })?
    };
    let hours: Vec<String> = new_hours.iter().map(u32::to_string).collect();
    Ok(format!(
        "{new_min} {} {} {} {weekdays}",
        hours.join(","),
        f[2],
        f[3]
    ))
}

/// The numbers a field of numbers, lists, ranges and steps names.
fn expand_field(field: &str, lo: u32, hi: u32) -> Option<Vec<u32>> {
    let mut out = Vec::new();
    for part in field.split(',') {
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => (r, s.parse::<u32>().ok().filter(|s| *s > 0)?),
            None => (part, 1),
        };
        let (a, b) = match range {
            "*" => (lo, hi),
            r => match r.split_once('-') {
                Some((a, b)) => (a.parse().ok()?, b.parse().ok()?),
                None if step > 1 => (r.parse().ok()?, hi),
                None => (r.parse().ok()?, r.parse().ok()?),
            },
        };
        if a < lo || b > hi || a > b {
            return None;
        }
        out.extend((a..=b).step_by(step as usize));
    }
    out.sort_unstable();
    out.dedup();
    Some(out)
}

const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// Weekdays `days` later: `*` stays; numbers, names, lists and ranges move.
fn shift_weekdays(field: &str, days: u32) -> Option<String> {
    if field == "*" || field == "?" {
        return Some("*".into());
    }
    let day = |s: &str| -> Option<u32> {
        let up = s.to_ascii_uppercase();
        match DAYS.iter().position(|d| *d == up) {
            Some(i) => Some(i as u32),
            None => s.parse::<u32>().ok().filter(|n| *n <= 7).map(|n| n % 7),
        }
    };
    let mut out: Vec<u32> = Vec::new();
    for part in field.split(',') {
        if part.contains('/') {
            return None;
        }
        let (a, b) = match part.split_once('-') {
            Some((a, b)) => (day(a)?, day(b)?),
            None => (day(part)?, day(part)?),
        };
        let mut d = a;
        loop {
            out.push((d + days) % 7);
            if d == b {
                break;
            }
            d = (d + 1) % 7;
        }
    }
    out.sort_unstable();
    out.dedup();
    Some(out.iter().map(u32::to_string).collect::<Vec<_>>().join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn closing_schedules_move_with_the_duration() {
        let cases = [
            ("0 2 * * 6", 120, "0 4 * * 6"),
            ("30 23 * * 6", 90, "0 1 * * 0"),
            ("0 22 * * MON-FRI", 180, "0 1 * * 2,3,4,5,6"),
            ("0 1 1 * *", 60, "0 2 1 * *"),
            ("15 3 * * *", 45, "0 4 * * *"),
        ];
        for (open, minutes, close) in cases {
            assert_eq!(shift(open, minutes).unwrap(), close, "{open} + {minutes}m");
        }
        assert_eq!(shift("0 2,14 * * *", 120).unwrap(), "0 4,16 * * *");
        assert_eq!(shift("0 */6 * * *", 60).unwrap(), "0 1,7,13,19 * * *");
        assert_eq!(shift("45 * * * *", 10).unwrap(), "55 * * * *");
        assert!(shift("0 23 1 * *", 120).is_err());
        assert!(shift("0 12,23 * * 6", 120).is_err());
        assert!(shift("*/5 2 * * *", 10).is_err());
    }

    #[test]
    fn schedules_kubernetes_refuses_are_refused() {
        for bad in [
            "0 2 * *",
            "0 0 2 * * 6",
            "0 2 L * *",
            "0 2 * * 5#3",
            "TZ=Europe/Berlin 0 2 * * 6",
            "@every 1h",
            "61 2 * * 6",
        ] {
            assert!(Schedule::new(bad, 60, "Etc/UTC").is_err(), "{bad}");
        }
        assert_eq!(
            Schedule::new("@weekly", 60, "Etc/UTC").unwrap().open,
            "0 0 * * 0"
        );
    }

    #[test]
    fn a_window_longer_than_its_period_is_refused() {
        let (field, msg) = Schedule::new("0 0-23/2 * * *", 180, "Etc/UTC").unwrap_err();
        assert_eq!(field, "duration");
        assert!(
            msg.contains("3h is longer than the time between two openings"),
            "{msg}"
        );
        let (field, msg) = Schedule::new("0 * * * *", 120, "Etc/UTC").unwrap_err();
        assert_eq!(field, "duration");
        assert!(msg.contains("outlasts the hour"), "{msg}");
        assert!(Schedule::new("0 * * * *", 59, "Etc/UTC").is_ok());
        assert_eq!(
            Schedule::new("0 2 * * 6", 60, "Mars/Olympus")
                .unwrap_err()
                .0,
            "timeZone"
        );
    }

    #[test]
    fn open_at_the_edges_and_across_a_clock_change() {
        // Saturday 02:00 in Berlin for two hours; summer time starts on
        // Sunday 2026-03-29, so the next Saturday opens an hour earlier in UTC.
        let s = Schedule::new("0 2 * * 6", 120, "Europe/Berlin").unwrap();
        let open = |t: &str| s.open_at(at(t)).is_some();
        assert!(!open("2026-03-28T00:59:00Z"));
        assert!(open("2026-03-28T01:00:00Z"), "the opening minute");
        assert!(open("2026-03-28T02:59:59Z"));
        assert!(!open("2026-03-28T03:00:00Z"), "the closing minute");
        assert!(open("2026-04-04T00:00:00Z"), "02:00 CEST is 00:00 UTC");
        assert!(open("2026-04-04T01:30:00Z"));
        assert!(!open("2026-04-04T02:00:00Z"));
        let next = s.next_opening(at("2026-03-28T12:00:00Z")).unwrap();
        assert_eq!(next.opens, at("2026-04-04T00:00:00Z"));
        assert_eq!(next.closes, at("2026-04-04T02:00:00Z"));
    }

    #[test]
    fn durations_are_whole_minutes() {
        assert_eq!(minutes("2h").unwrap(), 120);
        assert_eq!(minutes("1h30m").unwrap(), 90);
        assert_eq!(minutes("45m").unwrap(), 45);
        assert!(minutes("90s").is_err());
        assert!(minutes("soon").is_err());
        assert_eq!(human(90), "1h30m");
    }
}
