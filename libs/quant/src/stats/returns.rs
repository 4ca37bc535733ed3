//! Log returns of a price series.
use super::error::{StatsError, check_finite};

/// `ln(p[i] / p[i - 1])` for each consecutive pair: one value fewer than `prices`.
/// Prices must be finite and positive; at least two are needed.
pub fn log_returns(prices: &[f64]) -> Result<Vec<f64>, StatsError> {
    if prices.len() < 2 {
        return Err(StatsError::TooShort {
            series: "prices",
            needed: 2,
            got: prices.len(),
        });
    }
    check_finite("prices", prices)?;
    if let Some(index) = prices.iter().position(|price| *price <= 0.0) {
        return Err(StatsError::NonPositive {
            series: "prices",
            index,
        });
    }
    Ok(prices
        .windows(2)
        .map(|pair| (pair[1] / pair[0]).ln())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_returns_of_doubling_prices() {
        let returns = log_returns(&[1.0, 2.0, 4.0]).unwrap();
        assert_eq!(
            returns,
            vec![std::f64::consts::LN_2, std::f64::consts::LN_2]
        );
    }

    #[test]
    fn degenerate_prices_are_errors() {
        assert_eq!(
            log_returns(&[1.0]),
            Err(StatsError::TooShort {
                series: "prices",
                needed: 2,
                got: 1
            })
        );
        assert_eq!(
            log_returns(&[1.0, 0.0]),
            Err(StatsError::NonPositive {
                series: "prices",
                index: 1
            })
        );
        assert_eq!(
            log_returns(&[1.0, f64::NAN]),
            Err(StatsError::NonFinite {
                series: "prices",
                index: 1
            })
        );
    }
}
