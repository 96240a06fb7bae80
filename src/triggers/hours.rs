//! Business hours in the site's own time zone, for the `business_hours` fact.

use crate::domain::Timestamp;
use chrono::{Datelike, TimeZone, Timelike};
use serde::{Deserialize, Serialize};

/// When a shop is open: days of the week and a daily opening time, in its IANA time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BusinessHours {
    /// IANA zone name, such as `Europe/Berlin`.
    pub timezone: String,
    /// Open days, 1 = Monday … 7 = Sunday.
    pub days: Vec<u8>,
    /// Opening time, `HH:MM`.
    pub open: String,
    /// Closing time, `HH:MM`; before `open` means the shop is open past midnight.
    pub close: String,
}

fn minutes(text: &str) -> Option<u32> {
    let (h, m) = text.split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 && text.len() == 5).then_some(h * 60 + m)
}

impl BusinessHours {
    /// Checks the zone, days and times; `Err` names the field.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if self.timezone.parse::<chrono_tz::Tz>().is_err() {
            return Err((
                "timezone",
                format!("`{}` is not an IANA time zone", self.timezone),
            ));
        }
        if self.days.is_empty() || self.days.iter().any(|d| !(1..=7).contains(d)) {
            return Err(("days", "must list days 1 (Monday) to 7 (Sunday)".into()));
        }
        for (field, value) in [("open", &self.open), ("close", &self.close)] {
            if minutes(value).is_none() {
                return Err((field, format!("`{value}` is not a time HH:MM")));
            }
        }
        Ok(())
    }

    /// Whether the shop is open at `now`. Unparseable settings (refused on save) read as open,
    /// so a broken setting never silences every rule that asks for business hours.
    pub fn is_open(&self, now: Timestamp) -> bool {
        let (Ok(zone), Some(open), Some(close)) = (
            self.timezone.parse::<chrono_tz::Tz>(),
            minutes(&self.open),
            minutes(&self.close),
        ) else {
            return true;
        };
        let Some(local) = zone.timestamp_millis_opt(now.0).single() else {
            return true;
        };
        let day = local.weekday().number_from_monday() as u8;
        let minute = local.hour() * 60 + local.minute();
        if open <= close {
            self.days.contains(&day) && (open..close).contains(&minute)
        } else {
            // Past midnight: the early hours belong to the previous day's opening.
            let previous = if day == 1 { 7 } else { day - 1 };
            (self.days.contains(&day) && minute >= open)
                || (self.days.contains(&previous) && minute < close)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hours(open: &str, close: &str) -> BusinessHours {
        BusinessHours {
            timezone: "Europe/Berlin".into(),
            days: vec![1, 2, 3, 4, 5],
            open: open.into(),
            close: close.into(),
        }
    }

    // 2026-11-23 was a Monday; Berlin is UTC+1 in November.
    const MONDAY_0800_UTC: i64 = 1_795_392_000_000 + 8 * 3_600_000;

    #[test]
    fn open_in_the_sites_zone_on_its_days() {
        let h = hours("09:00", "18:00");
        assert!(h.is_open(Timestamp(MONDAY_0800_UTC)), "09:00 in Berlin");
        assert!(
            !h.is_open(Timestamp(MONDAY_0800_UTC - 60_000)),
            "08:59 in Berlin"
        );
        assert!(
            !h.is_open(Timestamp(MONDAY_0800_UTC + 9 * 3_600_000)),
            "18:00 closes"
        );
        assert!(
            !h.is_open(Timestamp(MONDAY_0800_UTC - 2 * 86_400_000)),
            "Saturday"
        );
    }

    #[test]
    fn overnight_hours_and_validation() {
        let late = hours("20:00", "02:00");
        assert!(
            late.is_open(Timestamp(MONDAY_0800_UTC + 12 * 3_600_000)),
            "Monday 21:00"
        );
        assert!(
            late.is_open(Timestamp(MONDAY_0800_UTC + 16 * 3_600_000)),
            "Tuesday 01:00"
        );
        assert!(
            !late.is_open(Timestamp(MONDAY_0800_UTC - 8 * 3_600_000)),
            "Monday 01:00 belongs to Sunday"
        );
        assert_eq!(hours("9:00", "18:00").validate().unwrap_err().0, "open");
        let mut bad = hours("09:00", "18:00");
        bad.timezone = "Mars/Olympus".into();
        assert_eq!(bad.validate().unwrap_err().0, "timezone");
        bad = hours("09:00", "18:00");
        bad.days = vec![0];
        assert_eq!(bad.validate().unwrap_err().0, "days");
    }
}
