//! Past returns of several symbols lined up by time, from their candle closes: the
//! observations VaR is computed over. Pure; no I/O.
use std::collections::BTreeMap;

/// Candle closes of one symbol: (open time in Unix ms, close), in any order.
#[derive(Debug, Clone, PartialEq)]
pub struct Closes {
    pub symbol: String,
    pub closes: Vec<(i64, f64)>,
}

/// Simple returns close(t) / close(t - interval) - 1, keyed by t, only where both
/// candles exist (an interval without trades has no candle, and a return across the gap
/// would span two intervals) and both closes are positive.
pub fn returns_of(closes: &[(i64, f64)], interval_ms: i64) -> BTreeMap<i64, f64> {
    let by_time: BTreeMap<i64, f64> = closes.iter().copied().collect();
    by_time
        .iter()
        .filter_map(|(time, close)| {
            let previous = by_time.get(&(time - interval_ms))?;
            let usable = *previous > 0.0 && *close > 0.0 && close.is_finite();
            usable.then(|| (*time, close / previous - 1.0))
        })
        .collect()
}

/// The return rows every symbol has, oldest first: `rows[i][j]` is the return of
/// `series[j]` at the i-th time they share.
pub fn aligned(series: &[Closes], interval_ms: i64) -> Vec<Vec<f64>> {
    let each: Vec<BTreeMap<i64, f64>> = series
        .iter()
        .map(|closes| returns_of(&closes.closes, interval_ms))
        .collect();
    let Some((first, rest)) = each.split_first() else {
        return Vec::new();
    };
    first
        .iter()
        .filter_map(|(time, return_of_first)| {
            let mut row = Vec::with_capacity(each.len());
            row.push(*return_of_first);
            for other in rest {
                row.push(*other.get(time)?);
            }
            Some(row)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000;

    fn close(actual: f64, expected: f64) {
        assert!((actual - expected).abs() < 1e-12, "{actual} != {expected}");
    }

    #[test]
    fn returns_need_the_previous_interval() {
        // Hours 0, 1, 2 and 4: hour 3 had no trades, so hour 4 has no return.
        let returns = returns_of(
            &[
                (0, 100.0),
                (HOUR, 110.0),
                (2 * HOUR, 99.0),
                (4 * HOUR, 120.0),
            ],
            HOUR,
        );
        assert_eq!(returns.len(), 2);
        close(returns[&HOUR], 0.1);
        close(returns[&(2 * HOUR)], -0.1);
    }

    #[test]
    fn rows_keep_only_times_every_symbol_shares() {
        let btc = Closes {
            symbol: "BTC-USDT".into(),
            closes: vec![
                (0, 100.0),
                (HOUR, 102.0),
                (2 * HOUR, 100.98),
                (3 * HOUR, 100.98),
            ],
        };
        let eth = Closes {
            symbol: "ETH-USDT".into(),
            // Listed out of order, and without hour 2.
            closes: vec![(3 * HOUR, 12.0), (0, 10.0), (HOUR, 11.0)],
        };
        let rows = aligned(&[btc, eth], HOUR);
        assert_eq!(rows.len(), 1);
        close(rows[0][0], 0.02);
        close(rows[0][1], 0.1);
        assert!(aligned(&[], HOUR).is_empty());
    }

    #[test]
    fn non_positive_closes_give_no_return() {
        let returns = returns_of(&[(0, 0.0), (HOUR, 1.0), (2 * HOUR, 2.0)], HOUR);
        assert_eq!(returns.len(), 1);
        close(returns[&(2 * HOUR)], 1.0);
    }
}
