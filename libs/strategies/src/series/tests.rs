//! Candle checks and gap filling on hand-made candles.
use rust_decimal::Decimal;

use super::*;

fn candle(open_time_ms: i64, close: i64) -> Candle {
    let close = Decimal::from(close);
    Candle {
        open_time_ms,
        open: close,
        high: close + Decimal::ONE,
        low: close - Decimal::ONE,
        close,
        volume: Decimal::from(3),
        quote_volume: Decimal::from(300),
        trade_count: 2,
    }
}

#[test]
fn a_good_candle_converts_exactly() {
    let bar = to_bar(&candle(0, 100), SeriesName::Main, 0).unwrap();
    assert_eq!(
        (bar.open, bar.high, bar.low, bar.close, bar.volume),
        (100.0, 101.0, 99.0, 100.0, 3.0)
    );
}

#[test]
fn inconsistent_candles_name_the_field() {
    let mut bad = candle(0, 100);
    bad.high = Decimal::from(98);
    let error = to_bar(&bad, SeriesName::Main, 3).unwrap_err();
    assert_eq!(error.path(), "candles[3].high");

    let mut bad = candle(0, 100);
    bad.low = Decimal::ZERO;
    assert_eq!(
        to_bar(&bad, SeriesName::Pair, 1).unwrap_err().path(),
        "pair_candles[1].low"
    );

    let mut bad = candle(0, 100);
    bad.close = Decimal::from(100) - Decimal::from(5);
    assert_eq!(to_bar(&bad, SeriesName::Main, 0).unwrap_err().field, "low");

    let mut bad = candle(0, 100);
    bad.volume = Decimal::NEGATIVE_ONE;
    assert_eq!(
        to_bar(&bad, SeriesName::Main, 0).unwrap_err().field,
        "volume"
    );
}

#[test]
fn spacing_problems_say_what_is_wrong() {
    assert!(check_spacing(None, 7, 5, SeriesName::Main, 0).is_ok());
    assert!(check_spacing(Some(10), 15, 5, SeriesName::Main, 1).is_ok());
    let repeat = check_spacing(Some(10), 10, 5, SeriesName::Main, 1).unwrap_err();
    assert!(repeat.problem.contains("not after"), "{repeat}");
    assert_eq!(repeat.path(), "candles[1].open_time_unix_ms");
    let gap = check_spacing(Some(10), 25, 5, SeriesName::Main, 2).unwrap_err();
    assert!(gap.problem.contains("gap of 2"), "{gap}");
    let off_grid = check_spacing(Some(10), 17, 5, SeriesName::Main, 2).unwrap_err();
    assert!(off_grid.problem.contains("expected 15"), "{off_grid}");
    // Extreme times and a zero interval are errors, not overflows.
    assert!(check_spacing(Some(i64::MIN), i64::MAX, 5, SeriesName::Main, 1).is_err());
    assert!(check_spacing(Some(0), 5, 0, SeriesName::Main, 1).is_err());
}

#[test]
fn check_series_reports_every_problem() {
    let mut candles = vec![
        candle(0, 100),
        candle(5, 101),
        candle(5, 102),
        candle(20, 103),
    ];
    candles[1].high = Decimal::from(50);
    let problems = check_series(&candles, 5, SeriesName::Main);
    let paths: Vec<String> = problems.iter().map(InputError::path).collect();
    assert_eq!(
        paths,
        vec![
            "candles[1].high",
            "candles[2].open_time_unix_ms",
            "candles[3].open_time_unix_ms"
        ]
    );
}

#[test]
fn gaps_fill_with_flat_candles_up_to_a_limit() {
    let candles = vec![candle(0, 100), candle(15, 104), candle(20, 105)];
    let filled = fill_gaps(&candles, 5, 2).unwrap();
    let opens: Vec<i64> = filled.iter().map(|candle| candle.open_time_ms).collect();
    assert_eq!(opens, vec![0, 5, 10, 15, 20]);
    assert_eq!(filled[1].close, Decimal::from(100));
    assert_eq!(filled[2].high, Decimal::from(100));
    assert_eq!(filled[2].volume, Decimal::ZERO);
    assert!(check_series(&filled, 5, SeriesName::Main).is_empty());
    assert_eq!(fill_gaps(&candles, 5, 1), None);
    assert_eq!(fill_gaps(&[candle(5, 1), candle(5, 1)], 5, 10), None);
    assert_eq!(fill_gaps(&[candle(0, 1), candle(7, 1)], 5, 10), None);
}
