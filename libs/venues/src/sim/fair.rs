//! The fair price of every simulated asset, as a pure function of (seed, asset, step).
//!
//! Each asset's log price in USD is `ln(initial) + beta * market(k) + own(k)`: a shared
//! market factor (which makes BTC and ETH move together) plus the asset's own path. Each
//! path is Brownian (the diffusion of geometric Brownian motion) with Poisson jumps, on a
//! fixed step of `step_ms`. To compute step `k` without walking every step since 1970,
//! the diffusion is built by Lévy's midpoint construction: anchors every 2^25 steps
//! (drawn around the initial price, so prices stay near their defaults over months) and
//! Brownian-bridge midpoints, each drawn from a key of its own, down to the step: 25
//! draws per value. Jumps are drawn per epoch of 2^15 steps and compensated linearly
//! within it, so the path meets the same value at every epoch boundary. Processes
//! started at different times with the same seed therefore see the same price at the
//! same wall time. USD and USDT are both worth 1, so cross rates are consistent by
//! construction: ETH-BTC = ETH-USDT / BTC-USDT.
//!
//! The model works in f64 (it is a stochastic model, not money); prices leave the
//! simulated venues as exact decimals on each venue's tick.
use rand::Rng;
use rand::distributions::Distribution;
use rand_distr::{Poisson, StandardNormal};

use quorum_domain::Symbol;

use super::random::{keyed_normal, keyed_rng, text_tag};

/// Assets the model prices, with their default USD price.
pub const SIM_ASSETS: [(&str, f64); 3] = [("BTC", 60_000.0), ("ETH", 3_000.0), ("SOL", 150.0)];
/// Assets worth exactly one US dollar in the model.
pub const USD_ASSETS: [&str; 2] = ["USDT", "USD"];

/// The seeded fair price paths.
#[derive(Debug, Clone)]
pub struct FairPriceModel {
    seed: u64,
    step_ms: i64,
    market: PathSpec,
    assets: Vec<AssetSpec>,
}

impl FairPriceModel {
    /// `step_ms` below 1 is raised to 1.
    pub fn new(seed: u64, step_ms: i64) -> Self {
        let step_ms = step_ms.max(1);
        let path = |name: &str, annual_volatility, anchor_sd, jumps_per_day, jump_sd| {
            PathSpec::new(
                name,
                step_ms,
                annual_volatility,
                anchor_sd,
                jumps_per_day,
                jump_sd,
            )
        };
        let asset = |name: &'static str, beta, own: PathSpec| AssetSpec {
            name,
            initial_usd: SIM_ASSETS
                .iter()
                .find(|(known, _)| *known == name)
                .map_or(1.0, |(_, price)| *price),
            market_beta: beta,
            own,
        };
        Self {
            seed,
            step_ms,
            market: path("market", 0.55, 0.12, 6.0, 0.003),
            assets: vec![
                asset("BTC", 1.0, path("BTC", 0.20, 0.05, 4.0, 0.0025)),
                asset("ETH", 1.15, path("ETH", 0.35, 0.08, 4.0, 0.003)),
                asset("SOL", 1.3, path("SOL", 0.55, 0.12, 6.0, 0.004)),
            ],
        }
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn step_ms(&self) -> i64 {
        self.step_ms
    }

    /// The step holding a wall-clock time.
    pub fn step_at(&self, unix_ms: i64) -> i64 {
        unix_ms.div_euclid(self.step_ms)
    }

    /// Whether the model can price the asset.
    pub fn supports(&self, asset: &str) -> bool {
        USD_ASSETS.contains(&asset) || self.assets.iter().any(|spec| spec.name == asset)
    }

    /// The asset's fair price in USD at a step.
    pub fn usd_price(&self, asset: &str, step: i64) -> Option<f64> {
        if USD_ASSETS.contains(&asset) {
            return Some(1.0);
        }
        let spec = self.assets.iter().find(|spec| spec.name == asset)?;
        let log_move =
            spec.market_beta * self.market.value(self.seed, step) + spec.own.value(self.seed, step);
        Some(spec.initial_usd * log_move.exp())
    }

    /// The fair price of `symbol` (quote units per base unit) at a step.
    pub fn fair_price(&self, symbol: &Symbol, step: i64) -> Option<f64> {
        Some(self.usd_price(symbol.base(), step)? / self.usd_price(symbol.quote(), step)?)
    }
}

/// Anchors every 2^25 steps (about 39 days at 100 ms).
const BLOCK_LEVELS: u32 = 25;
/// Jumps are drawn and compensated per 2^15 steps (about 55 minutes at 100 ms).
const EPOCH_LEVELS: u32 = 15;
const MS_PER_YEAR: f64 = 365.25 * 86_400_000.0;
const ANCHOR: u64 = 1;
const MIDPOINT: u64 = 2;
const JUMPS: u64 = 3;

#[derive(Debug, Clone)]
struct AssetSpec {
    name: &'static str,
    initial_usd: f64,
    market_beta: f64,
    own: PathSpec,
}

/// One log-price path: Brownian diffusion pinned to anchors, plus compensated jumps.
#[derive(Debug, Clone)]
struct PathSpec {
    tag: u64,
    /// Standard deviation of one step's diffusion.
    step_sd: f64,
    /// Standard deviation of the anchors around 0.
    anchor_sd: f64,
    /// Expected jumps per epoch.
    jumps_per_epoch: f64,
    jump_sd: f64,
}

impl PathSpec {
    fn new(
        name: &str,
        step_ms: i64,
        annual_volatility: f64,
        anchor_sd: f64,
        jumps_per_day: f64,
        jump_sd: f64,
    ) -> Self {
        let epoch_ms = (1u64 << EPOCH_LEVELS) as f64 * step_ms as f64;
        Self {
            tag: text_tag(name),
            step_sd: annual_volatility * (step_ms as f64 / MS_PER_YEAR).sqrt(),
            anchor_sd,
            jumps_per_epoch: jumps_per_day * epoch_ms / 86_400_000.0,
            jump_sd,
        }
    }

    fn value(&self, seed: u64, step: i64) -> f64 {
        let step = u64::try_from(step).unwrap_or(0);
        self.diffusion(seed, step) + self.jumps(seed, step)
    }

    fn diffusion(&self, seed: u64, step: u64) -> f64 {
        let block = step >> BLOCK_LEVELS;
        let offset = step & ((1u64 << BLOCK_LEVELS) - 1);
        let anchor = |index: u64| self.anchor_sd * keyed_normal(&[seed, self.tag, ANCHOR, index]);
        let (mut low, mut high) = (0u64, 1u64 << BLOCK_LEVELS);
        let (mut low_value, mut high_value) = (anchor(block), anchor(block + 1));
        while high - low > 1 && offset != low {
            let middle = (low + high) / 2;
            // A Brownian bridge over n steps has variance n/4 step variances at its middle.
            let spread = self.step_sd * ((high - low) as f64 / 4.0).sqrt();
            let middle_value = (low_value + high_value) / 2.0
                + spread * keyed_normal(&[seed, self.tag, MIDPOINT, block, middle]);
            if offset < middle {
                (high, high_value) = (middle, middle_value);
            } else {
                (low, low_value) = (middle, middle_value);
            }
        }
        low_value
    }

    fn jumps(&self, seed: u64, step: u64) -> f64 {
        if self.jumps_per_epoch <= 0.0 {
            return 0.0;
        }
        let Ok(poisson) = Poisson::new(self.jumps_per_epoch) else {
            return 0.0;
        };
        let epoch_steps = 1u64 << EPOCH_LEVELS;
        let epoch = step >> EPOCH_LEVELS;
        let offset = step & (epoch_steps - 1);
        let mut rng = keyed_rng(&[seed, self.tag, JUMPS, epoch]);
        let count: f64 = poisson.sample(&mut rng);
        let (mut passed, mut total) = (0.0, 0.0);
        for _ in 0..(count.min(1_000.0) as u32) {
            let at = rng.gen_range(0..epoch_steps);
            let size: f64 = StandardNormal.sample(&mut rng);
            let size = size * self.jump_sd;
            total += size;
            if at < offset {
                passed += size;
            }
        }
        passed - total * offset as f64 / epoch_steps as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn symbol(text: &str) -> Symbol {
        text.parse().unwrap()
    }

    /// 2023-11-14 22:13:20 UTC at 100 ms steps.
    const STEP: i64 = 17_000_000_000;

    #[test]
    fn the_same_seed_and_step_give_the_same_price_in_any_model() {
        let first = FairPriceModel::new(7, 100);
        let second = FairPriceModel::new(7, 100);
        let other_seed = FairPriceModel::new(8, 100);
        let btc = symbol("BTC-USDT");
        for step in [STEP, STEP + 1, STEP + 40_000, 3] {
            let price = first.fair_price(&btc, step).unwrap();
            assert_eq!(price, second.fair_price(&btc, step).unwrap());
            assert_ne!(price, other_seed.fair_price(&btc, step).unwrap());
        }
    }

    #[test]
    fn cross_rates_are_consistent() {
        let model = FairPriceModel::new(1, 100);
        for step in [STEP, STEP + 12_345] {
            let eth_btc = model.fair_price(&symbol("ETH-BTC"), step).unwrap();
            let eth = model.fair_price(&symbol("ETH-USDT"), step).unwrap();
            let btc = model.fair_price(&symbol("BTC-USDT"), step).unwrap();
            assert!(
                (eth_btc - eth / btc).abs() < 1e-15,
                "{eth_btc} vs {}",
                eth / btc
            );
            assert_eq!(model.fair_price(&symbol("BTC-USD"), step), Some(btc));
        }
        assert_eq!(model.fair_price(&symbol("DOGE-USDT"), STEP), None);
    }

    #[test]
    fn prices_stay_near_their_defaults() {
        let model = FairPriceModel::new(99, 100);
        for month in 0..24 {
            let step = STEP + month * 26_000_000;
            let btc = model.usd_price("BTC", step).unwrap();
            let eth = model.usd_price("ETH", step).unwrap();
            assert!(
                (30_000.0..120_000.0).contains(&btc),
                "BTC {btc} in month {month}"
            );
            assert!(
                (1_200.0..7_500.0).contains(&eth),
                "ETH {eth} in month {month}"
            );
        }
    }

    #[test]
    fn step_returns_have_the_configured_volatility_and_move_together() {
        let model = FairPriceModel::new(5, 100);
        let returns = |asset: &str| -> Vec<f64> {
            let prices: Vec<f64> = (0..4_001)
                .map(|offset| model.usd_price(asset, STEP + offset).unwrap().ln())
                .collect();
            prices.windows(2).map(|pair| pair[1] - pair[0]).collect()
        };
        let (btc, eth) = (returns("BTC"), returns("ETH"));
        let standard_deviation = |values: &[f64]| {
            (values.iter().map(|x| x * x).sum::<f64>() / values.len() as f64).sqrt()
        };
        // BTC: sqrt(0.55^2 + 0.20^2) annualized, scaled to one 100 ms step.
        let expected = (0.55f64.powi(2) + 0.2f64.powi(2)).sqrt() * (100.0 / MS_PER_YEAR).sqrt();
        let found = standard_deviation(&btc);
        assert!(
            (0.8 * expected..1.25 * expected).contains(&found),
            "step volatility {found}, expected about {expected}"
        );
        let covariance = btc.iter().zip(&eth).map(|(a, b)| a * b).sum::<f64>() / btc.len() as f64;
        let correlation = covariance / (standard_deviation(&btc) * standard_deviation(&eth));
        assert!(correlation > 0.6, "BTC and ETH correlation {correlation}");
    }

    #[test]
    fn the_path_is_continuous_across_epoch_and_block_boundaries() {
        let model = FairPriceModel::new(11, 100);
        let epoch = 1i64 << EPOCH_LEVELS;
        let block = 1i64 << BLOCK_LEVELS;
        for boundary in [epoch * 520_000, block * 507] {
            let before = model.usd_price("ETH", boundary - 1).unwrap();
            let at = model.usd_price("ETH", boundary).unwrap();
            let step_move = (at / before).ln().abs();
            assert!(
                step_move < 0.003,
                "jump of {step_move} at boundary {boundary}"
            );
        }
    }

    #[test]
    fn jumps_happen_and_are_compensated_within_their_epoch() {
        let spec = PathSpec::new("test", 100, 0.5, 0.1, 500.0, 0.01);
        let epoch_steps = 1u64 << EPOCH_LEVELS;
        let epoch_start = 700 * epoch_steps;
        assert_eq!(spec.jumps(3, epoch_start), 0.0);
        let largest_step = (epoch_start..epoch_start + epoch_steps)
            .map(|step| (spec.jumps(3, step + 1) - spec.jumps(3, step)).abs())
            .fold(0.0, f64::max);
        assert!(largest_step > 0.005, "no jump seen: {largest_step}");
        // The last step of the epoch is back near 0, where the next epoch starts.
        let last = spec.jumps(3, epoch_start + epoch_steps - 1);
        assert!(last.abs() < 0.001, "uncompensated jumps: {last}");
    }
}
