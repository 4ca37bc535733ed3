//! How a direction proposal turned out: BUY if the price rose by more than the flat
//! band, SELL if it fell by more, HOLD otherwise.
use crate::ballot::Decision;

/// A default flat band: moves of 5 basis points or less are HOLD.
pub const DEFAULT_FLAT_BAND: f64 = 0.0005;

/// Why a flat band is not usable.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("flat band {0} must be a fraction in [0, 1)")]
pub struct FlatBandError(pub f64);

/// Returns within +/- this fraction count as no move.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlatBand(f64);

impl FlatBand {
    pub fn new(fraction: f64) -> Result<Self, FlatBandError> {
        if (0.0..1.0).contains(&fraction) {
            Ok(Self(fraction))
        } else {
            Err(FlatBandError(fraction))
        }
    }

    pub fn fraction(self) -> f64 {
        self.0
    }

    /// The direction a simple return (end / start - 1) stands for; `None` when the
    /// return is not a number.
    pub fn classify(self, return_fraction: f64) -> Option<Decision> {
        if return_fraction.is_nan() {
            None
        } else if return_fraction > self.0 {
            Some(Decision::Buy)
        } else if return_fraction < -self.0 {
            Some(Decision::Sell)
        } else {
            Some(Decision::Hold)
        }
    }
}

impl Default for FlatBand {
    fn default() -> Self {
        Self(DEFAULT_FLAT_BAND)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_beyond_the_band_are_directions() {
        let band = FlatBand::new(0.0005).unwrap();
        assert_eq!(band.classify(0.001), Some(Decision::Buy));
        assert_eq!(band.classify(-0.001), Some(Decision::Sell));
        assert_eq!(band.classify(0.0005), Some(Decision::Hold));
        assert_eq!(band.classify(-0.0004), Some(Decision::Hold));
        assert_eq!(band.classify(0.0), Some(Decision::Hold));
        assert_eq!(band.classify(f64::NAN), None);
        assert_eq!(band.classify(f64::INFINITY), Some(Decision::Buy));
    }

    #[test]
    fn a_zero_band_makes_only_an_unchanged_price_hold() {
        let band = FlatBand::new(0.0).unwrap();
        assert_eq!(band.classify(0.0), Some(Decision::Hold));
        assert_eq!(band.classify(1e-12), Some(Decision::Buy));
    }

    #[test]
    fn bands_outside_zero_to_one_are_refused() {
        assert!(FlatBand::new(-0.1).is_err());
        assert!(FlatBand::new(1.0).is_err());
        assert!(FlatBand::new(f64::NAN).is_err());
        assert_eq!(FlatBand::default().fraction(), DEFAULT_FLAT_BAND);
    }
}
