//! What makes each simulated venue its own: its spread, how far its quotes trail the
//! fair price, its network latency, its order flow, and its instrument rules (names,
//! tick and lot sizes), so cross-venue prices are correlated but not equal.
use quorum_domain::{Decimal, Symbol, Venue};

use super::SimError;
use super::fair::FairPriceModel;

/// The venue's market microstructure.
#[derive(Debug, Clone, PartialEq)]
pub struct VenueProfile {
    /// Half the quoted spread around the venue's mid, in basis points (at least a tick).
    pub half_spread_bps: f64,
    /// How far the venue's mid trails the fair price.
    pub price_lag_ms: i64,
    /// Time from the venue's event to its arrival at the client.
    pub delivery_latency_ms: i64,
    /// Standard deviation of the venue's premium over the fair price, in basis points.
    pub premium_sd_bps: f64,
    /// How much of the premium survives one step (AR(1) coefficient).
    pub premium_persistence: f64,
    /// Poisson rates per step and book side of new orders, cancels and size changes.
    pub adds_per_step: f64,
    pub cancels_per_step: f64,
    pub changes_per_step: f64,
    /// Poisson rate per step of market orders taking the top of the book.
    pub trades_per_step: f64,
    /// Mean distance of new orders behind the touch, in basis points.
    pub depth_bps: f64,
    /// Levels per side the book is refilled to, and trimmed to.
    pub min_levels: usize,
    pub max_levels: usize,
    /// Median size of an order, in USD.
    pub typical_order_usd: f64,
}

impl VenueProfile {
    pub fn of(venue: Venue) -> Self {
        let base = Self {
            half_spread_bps: 0.5,
            price_lag_ms: 20,
            delivery_latency_ms: 15,
            premium_sd_bps: 1.0,
            premium_persistence: 0.98,
            adds_per_step: 1.2,
            cancels_per_step: 0.8,
            changes_per_step: 0.6,
            trades_per_step: 0.7,
            depth_bps: 6.0,
            min_levels: 15,
            max_levels: 60,
            typical_order_usd: 15_000.0,
        };
        match venue {
            Venue::Binance => base,
            Venue::Okx => Self {
                half_spread_bps: 0.8,
                price_lag_ms: 40,
                delivery_latency_ms: 25,
                premium_sd_bps: 1.5,
                trades_per_step: 0.5,
                typical_order_usd: 10_000.0,
                ..base
            },
            Venue::Coinbase => Self {
                half_spread_bps: 1.2,
                price_lag_ms: 70,
                delivery_latency_ms: 40,
                premium_sd_bps: 2.5,
                adds_per_step: 1.0,
                trades_per_step: 0.4,
                depth_bps: 8.0,
                typical_order_usd: 8_000.0,
                ..base
            },
            Venue::Gateio => Self {
                half_spread_bps: 2.0,
                price_lag_ms: 120,
                delivery_latency_ms: 60,
                premium_sd_bps: 3.5,
                adds_per_step: 0.9,
                cancels_per_step: 0.6,
                trades_per_step: 0.3,
                depth_bps: 10.0,
                max_levels: 50,
                typical_order_usd: 5_000.0,
                ..base
            },
        }
    }
}

/// A simulated venue's instrument: its name for the symbol and its trading rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimInstrument {
    pub symbol: Symbol,
    /// The venue's name: BTCUSDT (Binance), BTC-USDT (OKX, Coinbase), BTC_USDT (Gate.io).
    pub venue_symbol: String,
    /// Base and quote as the venue names them.
    pub base: String,
    pub quote: String,
    pub tick_size: Decimal,
    pub lot_size: Decimal,
    pub min_quantity: Decimal,
    /// In quote units.
    pub min_notional: Decimal,
}

impl SimInstrument {
    /// The venue's instrument for a canonical symbol the model can price.
    pub fn new(venue: Venue, symbol: &Symbol, model: &FairPriceModel) -> Result<Self, SimError> {
        let (base, quote) = (symbol.base(), symbol.quote());
        if !model.supports(base) || !model.supports(quote) || base == quote {
            return Err(SimError::Symbol(symbol.to_string()));
        }
        let venue_symbol = match venue {
            Venue::Binance => format!("{base}{quote}"),
            Venue::Gateio => format!("{base}_{quote}"),
            Venue::Okx | Venue::Coinbase => format!("{base}-{quote}"),
        };
        let (tick_size, lot_size, min_quantity, min_notional) =
            rules(venue, base, quote).unwrap_or_else(|| fallback_rules(venue, symbol, model));
        Ok(Self {
            symbol: symbol.clone(),
            venue_symbol,
            base: base.to_string(),
            quote: quote.to_string(),
            tick_size,
            lot_size,
            min_quantity,
            min_notional,
        })
    }

    /// Decimal places of the tick size.
    pub fn price_decimals(&self) -> u32 {
        self.tick_size.normalize().scale()
    }

    /// Decimal places of the lot size.
    pub fn quantity_decimals(&self) -> u32 {
        self.lot_size.normalize().scale()
    }
}

type Rules = (Decimal, Decimal, Decimal, Decimal);

/// Tick, lot, minimum quantity and minimum notional as the venues list them for the
/// default symbols.
fn rules(venue: Venue, base: &str, quote: &str) -> Option<Rules> {
    let number = Decimal::new;
    let usd_quote = matches!(quote, "USDT" | "USD");
    let found = match (venue, base, usd_quote, quote) {
        (Venue::Binance, "BTC", true, _) => {
            (number(1, 2), number(1, 5), number(1, 5), number(5, 0))
        }
        (Venue::Binance, "ETH", true, _) => {
            (number(1, 2), number(1, 4), number(1, 4), number(5, 0))
        }
        (Venue::Binance, "SOL", true, _) => {
            (number(1, 2), number(1, 3), number(1, 3), number(5, 0))
        }
        (Venue::Binance, "ETH", false, "BTC") => {
            (number(1, 5), number(1, 4), number(1, 4), number(1, 4))
        }
        (Venue::Okx, "BTC", true, _) => (number(1, 1), number(1, 8), number(1, 5), Decimal::ZERO),
        (Venue::Okx, "ETH", true, _) => (number(1, 2), number(1, 6), number(1, 4), Decimal::ZERO),
        (Venue::Okx, "SOL", true, _) => (number(1, 2), number(1, 6), number(1, 3), Decimal::ZERO),
        (Venue::Okx, "ETH", false, "BTC") => {
            (number(1, 5), number(1, 6), number(1, 4), Decimal::ZERO)
        }
        (Venue::Coinbase, "BTC" | "ETH" | "SOL", true, _) => {
            (number(1, 2), number(1, 8), number(1, 8), number(1, 0))
        }
        (Venue::Coinbase, "ETH", false, "BTC") => {
            (number(1, 5), number(1, 8), number(1, 8), number(1, 5))
        }
        (Venue::Gateio, "BTC", true, _) => (number(1, 1), number(1, 6), number(1, 6), number(3, 0)),
        (Venue::Gateio, "ETH", true, _) => (number(1, 2), number(1, 4), number(1, 4), number(3, 0)),
        (Venue::Gateio, "SOL", true, _) => (number(1, 2), number(1, 3), number(1, 3), number(3, 0)),
        (Venue::Gateio, "ETH", false, "BTC") => {
            (number(1, 5), number(1, 4), number(1, 4), number(1, 4))
        }
        _ => return None,
    };
    Some(found)
}

/// Rules for other pairs: about six significant digits of price, and a lot worth
/// between 0.1 and 1 USD.
fn fallback_rules(venue: Venue, symbol: &Symbol, model: &FairPriceModel) -> Rules {
    let price = model.fair_price(symbol, 0).unwrap_or(1.0).max(1e-9);
    let base_usd = model.usd_price(symbol.base(), 0).unwrap_or(1.0).max(1e-9);
    let significant = if matches!(venue, Venue::Okx | Venue::Gateio) {
        5
    } else {
        6
    };
    let price_scale = (significant - 1 - price.log10().floor() as i64).clamp(0, 10);
    let quantity_scale = (base_usd.log10().floor() as i64 + 1).clamp(0, 8);
    let tick = Decimal::new(1, price_scale as u32);
    let lot = Decimal::new(1, quantity_scale as u32);
    (tick, lot, lot, Decimal::ZERO)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_venue_names_the_symbol_its_own_way() {
        let model = FairPriceModel::new(1, 100);
        let btc: Symbol = "BTC-USDT".parse().unwrap();
        let names: Vec<String> = Venue::ALL
            .iter()
            .map(|venue| {
                SimInstrument::new(*venue, &btc, &model)
                    .unwrap()
                    .venue_symbol
            })
            .collect();
        assert_eq!(names, ["BTCUSDT", "BTC-USDT", "BTC-USDT", "BTC_USDT"]);
        let coinbase = SimInstrument::new(Venue::Coinbase, &btc, &model).unwrap();
        assert_eq!(
            (coinbase.base.as_str(), coinbase.quote.as_str()),
            ("BTC", "USDT")
        );
        assert_eq!(coinbase.symbol, btc);
    }

    #[test]
    fn ticks_and_lots_differ_per_venue() {
        let model = FairPriceModel::new(1, 100);
        let btc: Symbol = "BTC-USDT".parse().unwrap();
        let binance = SimInstrument::new(Venue::Binance, &btc, &model).unwrap();
        let okx = SimInstrument::new(Venue::Okx, &btc, &model).unwrap();
        assert_eq!(binance.tick_size, Decimal::new(1, 2));
        assert_eq!(okx.tick_size, Decimal::new(1, 1));
        assert_eq!(
            (binance.price_decimals(), binance.quantity_decimals()),
            (2, 5)
        );
        let sol_btc: Symbol = "SOL-BTC".parse().unwrap();
        let fallback = SimInstrument::new(Venue::Binance, &sol_btc, &model).unwrap();
        assert_eq!(fallback.tick_size, Decimal::new(1, 8));
        assert_eq!(fallback.lot_size, Decimal::new(1, 3));
    }

    #[test]
    fn unknown_assets_are_refused() {
        let model = FairPriceModel::new(1, 100);
        let doge: Symbol = "DOGE-USDT".parse().unwrap();
        assert!(matches!(
            SimInstrument::new(Venue::Okx, &doge, &model),
            Err(SimError::Symbol(name)) if name == "DOGE-USDT"
        ));
    }
}
