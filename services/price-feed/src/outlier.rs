//! Outlier test on venue mids: a mid further than k median absolute deviations (MAD)
//! from the cross-venue median is an outlier.
//!
//! Two edge cases are defined rather than left to chance:
//! - fewer than [`MIN_VENUES`] mids: nothing is flagged. With two venues the median is
//!   their mean and both are equally far from it, so there is no telling which is wrong.
//! - a MAD of zero (most venues agree exactly) would make any difference an outlier, so
//!   the MAD used is at least `floor_bps` basis points of the median.
use quorum_domain::Decimal;

/// Fewest mids for which the outlier test runs.
pub const MIN_VENUES: usize = 3;

/// How far from the median a mid may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutlierRule {
    /// k: the allowed distance in MADs (strictly more is an outlier).
    pub mads: Decimal,
    /// Least MAD used, in basis points of the median.
    pub floor_bps: Decimal,
}

/// For each mid, whether it is an outlier under `rule`.
pub fn flag_outliers(mids: &[Decimal], rule: &OutlierRule) -> Vec<bool> {
    if mids.len() < MIN_VENUES {
        return vec![false; mids.len()];
    }
    let Some(center) = median(mids) else {
        return vec![false; mids.len()];
    };
    let deviations: Vec<Decimal> = mids.iter().map(|mid| (*mid - center).abs()).collect();
    let mad = median(&deviations).unwrap_or(Decimal::ZERO);
    let floor = center.abs() * rule.floor_bps / BASIS_POINTS;
    let limit = rule.mads * mad.max(floor);
    deviations
        .iter()
        .map(|deviation| *deviation > limit)
        .collect()
}

/// The median; the mean of the two middle values for an even count.
pub fn median(values: &[Decimal]) -> Option<Decimal> {
    let mut sorted = values.to_vec();
    sorted.sort_unstable();
    let middle = sorted.len() / 2;
    match sorted.len() {
        0 => None,
        length if length % 2 == 1 => sorted.get(middle).copied(),
        _ => {
            let low = sorted.get(middle - 1)?;
            let high = sorted.get(middle)?;
            Some((*low + *high) / Decimal::TWO)
        }
    }
}

const BASIS_POINTS: Decimal = Decimal::from_parts(10_000, 0, 0, false, 0);

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;

    fn rule() -> OutlierRule {
        OutlierRule {
            mads: dec!(5),
            floor_bps: dec!(2),
        }
    }

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(&[dec!(3), dec!(1), dec!(2)]), Some(dec!(2)));
        assert_eq!(
            median(&[dec!(4), dec!(1), dec!(2), dec!(3)]),
            Some(dec!(2.5))
        );
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn a_far_mid_is_flagged_and_the_close_ones_are_not() {
        // median 100.055; deviations 0.055, 0.045, 0.045, 49.945 -> MAD 0.05 (above
        // the floor 0.020011); limit 0.25.
        let mids = [dec!(100.00), dec!(100.10), dec!(100.01), dec!(150)];
        assert_eq!(flag_outliers(&mids, &rule()), [false, false, false, true]);
    }

    #[test]
    fn the_limit_is_strict_at_exactly_k_mads() {
        // median 100, deviations 0, 1, 1, 5, 1 -> MAD 1, limit 5: 105 is not beyond it.
        let mids = [dec!(100), dec!(101), dec!(99), dec!(105), dec!(99)];
        assert_eq!(flag_outliers(&mids, &rule()), [false; 5]);
        let mids = [dec!(100), dec!(101), dec!(99), dec!(105.01), dec!(99)];
        assert_eq!(
            flag_outliers(&mids, &rule()),
            [false, false, false, true, false]
        );
    }

    #[test]
    fn zero_mad_uses_the_basis_point_floor() {
        // Two venues agree exactly: MAD 0. Floor 2 bps of 100 = 0.02; limit 0.1.
        let close = [dec!(100), dec!(100), dec!(100.1)];
        assert_eq!(flag_outliers(&close, &rule()), [false; 3]);
        let far = [dec!(100), dec!(100), dec!(100.11)];
        assert_eq!(flag_outliers(&far, &rule()), [false, false, true]);
    }

    #[test]
    fn fewer_than_three_venues_are_never_outliers() {
        assert_eq!(flag_outliers(&[dec!(100), dec!(500)], &rule()), [false; 2]);
        assert_eq!(flag_outliers(&[dec!(100)], &rule()), [false]);
        assert!(flag_outliers(&[], &rule()).is_empty());
    }

    #[test]
    fn a_split_market_flags_nobody() {
        // Half the venues at 100, half at 110: each is 5 from the median, MAD 5.
        let mids = [dec!(100), dec!(100), dec!(110), dec!(110)];
        assert_eq!(flag_outliers(&mids, &rule()), [false; 4]);
    }
}
