//! `--at TIME`: the policies in force at a moment, windows included when
//! open (RFC 3339, `2026-12-05T02:30:00Z` or with an offset; or `now`).

use chrono::{DateTime, Utc};

/// Parses the value of `--at`.
pub fn parse(text: &str) -> Result<DateTime<Utc>, String> {
    if text == "now" {
        return Ok(Utc::now());
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            format!(
                "{e}: give a time as RFC 3339, 2026-12-05T02:30:00Z or 2026-12-05T03:30:00+01:00"
            )
        })
}
