//! An account valued at marks. Every amount is in the ledger's valuation asset (USDT):
//! an asset's price is the mark of `<ASSET>-<VALUATION>`, and a position quoted in
//! another asset is converted at that quote's price. Nothing is ever valued without a
//! mark: a value that needs a missing mark is `None`, never zero.
//!
//! - cash: holdings of the valuation asset;
//! - exposure of an asset: its holdings, valued at its price;
//! - equity: cash plus every other held asset at its price (for assets bought through
//!   fills, that is the positions at their marks);
//! - realized PnL and fees: sums over the positions; realized PnL is net of fees;
//! - unrealized PnL: `quantity x mark - cost` summed over the open positions;
//! - gross and net exposure: sums of `|quantity x mark|` and `quantity x mark`.
use std::collections::BTreeMap;

use quorum_domain::{Decimal, Symbol, Venue};

use crate::ledger::Ledger;
use crate::position::Position;

/// A price for a symbol and the time it was observed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    pub price: Decimal,
    pub at_ms: i64,
}

/// The latest mark of each symbol.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Marks {
    by_symbol: BTreeMap<Symbol, Mark>,
}

impl Marks {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a mark; returns whether anything changed.
    pub fn set(&mut self, symbol: Symbol, mark: Mark) -> bool {
        self.by_symbol.insert(symbol, mark) != Some(mark)
    }

    /// Forgets a symbol's mark (its price is no longer known); returns whether it had one.
    pub fn remove(&mut self, symbol: &Symbol) -> bool {
        self.by_symbol.remove(symbol).is_some()
    }

    pub fn get(&self, symbol: &Symbol) -> Option<Mark> {
        self.by_symbol.get(symbol).copied()
    }

    pub fn len(&self) -> usize {
        self.by_symbol.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_symbol.is_empty()
    }

    /// The price of one unit of `asset` in `valuation_asset` (1 for the valuation asset
    /// itself) and the time of the mark it came from.
    pub fn price_of(&self, asset: &str, valuation_asset: &str) -> Option<(Decimal, Option<i64>)> {
        if asset.eq_ignore_ascii_case(valuation_asset) {
            return Some((Decimal::ONE, None));
        }
        let symbol = Symbol::new(asset, valuation_asset).ok()?;
        self.get(&symbol).map(|mark| (mark.price, Some(mark.at_ms)))
    }
}

/// A position with its mark, if there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PositionView {
    pub position: Position,
    pub mark: Option<Mark>,
    /// In the position's quote asset; `None` without a mark.
    pub unrealized_pnl: Option<Decimal>,
    /// `quantity x mark` in the quote asset; `None` without a mark.
    pub market_value: Option<Decimal>,
}

impl PositionView {
    pub fn new(position: &Position, marks: &Marks) -> Self {
        let mark = marks.get(&position.symbol);
        Self {
            position: position.clone(),
            mark,
            unrealized_pnl: mark.and_then(|mark| position.unrealized_pnl(mark.price)),
            market_value: mark.and_then(|mark| position.market_value(mark.price)),
        }
    }
}

/// What an account holds of one asset (other than the valuation asset) and its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposure {
    pub asset: String,
    pub quantity: Decimal,
    /// In the valuation asset; `None` without a mark.
    pub value: Option<Decimal>,
}

/// An account (on one venue or all) valued at marks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortfolioView {
    pub account: String,
    /// `None` means every venue.
    pub venue: Option<Venue>,
    /// Holdings per asset, every asset with a posting included (even at zero).
    pub balances: BTreeMap<String, Decimal>,
    pub positions: Vec<PositionView>,
    /// Non-zero holdings of every asset but the valuation asset.
    pub exposures: Vec<Exposure>,
    pub cash: Decimal,
    pub equity: Option<Decimal>,
    pub realized_pnl: Option<Decimal>,
    pub unrealized_pnl: Option<Decimal>,
    pub fees: Option<Decimal>,
    pub gross_exposure: Option<Decimal>,
    pub net_exposure: Option<Decimal>,
    /// The latest of the last fill or transfer and the marks used.
    pub updated_at_ms: i64,
    pub fills: u64,
}

impl PortfolioView {
    /// Equity less cash: what the held assets are worth.
    pub fn positions_value(&self) -> Option<Decimal> {
        self.equity?.checked_sub(self.cash)
    }
}

impl Ledger {
    /// `account` on `venue` (every venue when `None`) valued at `marks`.
    pub fn portfolio(&self, account: &str, venue: Option<Venue>, marks: &Marks) -> PortfolioView {
        let valuation = self.valuation_asset();
        let activity = self.activity(account, venue);
        let mut updated_at_ms = activity.last_change_ms;
        let balances = self.holdings(account, venue);
        let cash = balances.get(valuation).copied().unwrap_or_default();

        let mut exposures = Vec::new();
        let mut equity = Some(cash);
        for (asset, quantity) in &balances {
            if asset == valuation || quantity.is_zero() {
                continue;
            }
            let price = marks.price_of(asset, valuation);
            if let Some((_, Some(at_ms))) = price {
                updated_at_ms = updated_at_ms.max(at_ms);
            }
            let value = price.and_then(|(price, _)| quantity.checked_mul(price));
            equity = add(equity, value);
            exposures.push(Exposure {
                asset: asset.clone(),
                quantity: *quantity,
                value,
            });
        }

        let positions: Vec<PositionView> = self
            .positions(account, venue)
            .into_iter()
            .map(|position| PositionView::new(position, marks))
            .collect();
        let zero = Some(Decimal::ZERO);
        let (mut realized, mut fees) = (zero, zero);
        let (mut unrealized, mut gross, mut net) = (zero, zero, zero);
        for view in &positions {
            let position = &view.position;
            let quote_price = marks
                .price_of(position.symbol.quote(), valuation)
                .map(|(price, _)| price);
            let convert = |amount: Option<Decimal>| in_valuation(amount, quote_price);
            realized = add(realized, convert(Some(position.realized_pnl())));
            fees = add(fees, convert(Some(position.fees)));
            if position.is_flat() {
                continue;
            }
            if let Some(mark) = view.mark {
                updated_at_ms = updated_at_ms.max(mark.at_ms);
            }
            let value = convert(view.market_value);
            unrealized = add(unrealized, convert(view.unrealized_pnl));
            gross = add(gross, value.map(|value| value.abs()));
            net = add(net, value);
        }

        PortfolioView {
            account: account.to_string(),
            venue,
            balances,
            positions,
            exposures,
            cash,
            equity,
            realized_pnl: realized,
            unrealized_pnl: unrealized,
            fees,
            gross_exposure: gross,
            net_exposure: net,
            updated_at_ms,
            fills: activity.fills,
        }
    }
}

/// An amount in a quote asset converted at that asset's price (exactly when it is 1).
fn in_valuation(amount: Option<Decimal>, quote_price: Option<Decimal>) -> Option<Decimal> {
    let (amount, price) = (amount?, quote_price?);
    if price == Decimal::ONE {
        Some(amount)
    } else {
        amount.checked_mul(price)
    }
}

/// A sum that is unknown as soon as one term is.
fn add(total: Option<Decimal>, term: Option<Decimal>) -> Option<Decimal> {
    total?.checked_add(term?)
}
