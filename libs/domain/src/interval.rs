//! Candle intervals, aligned to the Unix epoch and so to UTC (every interval divides a
//! day, and the epoch starts at midnight UTC).

/// A supported candle interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Interval {
    OneSecond,
    FiveSeconds,
    FifteenSeconds,
    ThirtySeconds,
    OneMinute,
    FiveMinutes,
    FifteenMinutes,
    ThirtyMinutes,
    OneHour,
    FourHours,
    OneDay,
}

const SECOND_MS: i64 = 1_000;
const MINUTE_MS: i64 = 60_000;

impl Interval {
    pub const ALL: [Interval; 11] = [
        Interval::OneSecond,
        Interval::FiveSeconds,
        Interval::FifteenSeconds,
        Interval::ThirtySeconds,
        Interval::OneMinute,
        Interval::FiveMinutes,
        Interval::FifteenMinutes,
        Interval::ThirtyMinutes,
        Interval::OneHour,
        Interval::FourHours,
        Interval::OneDay,
    ];
    pub const NAMES: [&'static str; 11] = [
        "1s", "5s", "15s", "30s", "1m", "5m", "15m", "30m", "1h", "4h", "1d",
    ];

    /// The interval a name such as "15m" stands for.
    pub fn parse(name: &str) -> Option<Interval> {
        let name = name.trim();
        Self::ALL
            .into_iter()
            .find(|interval| interval.name().eq_ignore_ascii_case(name))
    }

    /// A comma-separated list such as "5s,1m", shortest first. Unknown names, a name
    /// given twice and an empty list are refused with what is wrong.
    pub fn parse_list(text: &str) -> Result<Vec<Interval>, String> {
        let mut intervals = Vec::new();
        for name in text.split(',') {
            let interval = Self::parse(name).ok_or_else(|| {
                format!(
                    "'{}' is not an interval: use a comma-separated list of {}",
                    name.trim(),
                    Self::NAMES.join(", ")
                )
            })?;
            if intervals.contains(&interval) {
                return Err(format!("lists {} twice", interval.name()));
            }
            intervals.push(interval);
        }
        intervals.sort_by_key(|interval| interval.millis());
        Ok(intervals)
    }

    pub fn name(self) -> &'static str {
        match self {
            Interval::OneSecond => "1s",
            Interval::FiveSeconds => "5s",
            Interval::FifteenSeconds => "15s",
            Interval::ThirtySeconds => "30s",
            Interval::OneMinute => "1m",
            Interval::FiveMinutes => "5m",
            Interval::FifteenMinutes => "15m",
            Interval::ThirtyMinutes => "30m",
            Interval::OneHour => "1h",
            Interval::FourHours => "4h",
            Interval::OneDay => "1d",
        }
    }

    pub fn millis(self) -> i64 {
        match self {
            Interval::OneSecond => SECOND_MS,
            Interval::FiveSeconds => 5 * SECOND_MS,
            Interval::FifteenSeconds => 15 * SECOND_MS,
            Interval::ThirtySeconds => 30 * SECOND_MS,
            Interval::OneMinute => MINUTE_MS,
            Interval::FiveMinutes => 5 * MINUTE_MS,
            Interval::FifteenMinutes => 15 * MINUTE_MS,
            Interval::ThirtyMinutes => 30 * MINUTE_MS,
            Interval::OneHour => 60 * MINUTE_MS,
            Interval::FourHours => 240 * MINUTE_MS,
            Interval::OneDay => 1440 * MINUTE_MS,
        }
    }

    /// The start of the interval holding `unix_ms` (rounded down, also before the epoch).
    pub fn open_time(self, unix_ms: i64) -> i64 {
        unix_ms - unix_ms.rem_euclid(self.millis())
    }

    /// How many intervals `[from_ms, to_ms)` touches: the most candles it can produce.
    pub fn buckets_between(self, from_ms: i64, to_ms: i64) -> i64 {
        if to_ms <= from_ms {
            return 0;
        }
        (self.open_time(to_ms - 1) - self.open_time(from_ms)) / self.millis() + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_others_are_refused() {
        for (interval, name) in Interval::ALL.into_iter().zip(Interval::NAMES) {
            assert_eq!(interval.name(), name);
            assert_eq!(Interval::parse(name), Some(interval));
        }
        assert_eq!(Interval::parse(" 1H "), Some(Interval::OneHour));
        assert_eq!(Interval::parse("15S"), Some(Interval::FifteenSeconds));
        for bad in ["", "2m", "1w", "60s", "1M0", "10s", "1ms", "0s"] {
            assert_eq!(Interval::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_interval_divides_a_day() {
        for interval in Interval::ALL {
            assert_eq!(86_400_000 % interval.millis(), 0, "{}", interval.name());
        }
    }

    #[test]
    fn lists_parse_shortest_first_and_bad_lists_say_why() {
        assert_eq!(
            Interval::parse_list("1m, 5s,1S"),
            Ok(vec![
                Interval::OneSecond,
                Interval::FiveSeconds,
                Interval::OneMinute
            ])
        );
        assert_eq!(Interval::parse_list("1d"), Ok(vec![Interval::OneDay]));
        let unknown = Interval::parse_list("5s,7s").unwrap_err();
        assert!(unknown.contains("'7s' is not an interval"), "{unknown}");
        assert!(Interval::parse_list("").unwrap_err().contains("''"));
        assert!(Interval::parse_list("5s,").is_err());
        assert_eq!(
            Interval::parse_list("1m,5s,1M"),
            Err("lists 1m twice".to_string())
        );
    }

    #[test]
    fn open_times_align_to_utc() {
        // 2023-11-14T22:13:20.123Z
        let at = 1_700_000_000_123;
        assert_eq!(Interval::OneSecond.open_time(at), 1_700_000_000_000);
        assert_eq!(Interval::FifteenSeconds.open_time(at), 1_699_999_995_000);
        assert_eq!(Interval::ThirtySeconds.open_time(at), 1_699_999_980_000);
        assert_eq!(Interval::OneMinute.open_time(at), 1_699_999_980_000);
        assert_eq!(Interval::OneHour.open_time(at), 1_699_999_200_000);
        // 4h buckets start at 00, 04, ... 20 UTC: this one at 20:00.
        assert_eq!(Interval::FourHours.open_time(at), 1_699_992_000_000);
        // The day starts at midnight UTC.
        assert_eq!(Interval::OneDay.open_time(at), 1_699_920_000_000);
    }

    #[test]
    fn bucket_counts_include_partial_intervals_at_both_ends() {
        let minute = Interval::OneMinute;
        assert_eq!(minute.buckets_between(0, 0), 0);
        assert_eq!(minute.buckets_between(0, 60_000), 1);
        assert_eq!(minute.buckets_between(0, 60_001), 2);
        assert_eq!(minute.buckets_between(59_999, 60_001), 2);
        assert_eq!(Interval::OneDay.buckets_between(0, 86_400_000 * 10), 10);
        assert_eq!(Interval::FiveSeconds.buckets_between(4_999, 10_001), 3);
    }
}
