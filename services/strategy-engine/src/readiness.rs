//! Fail closed: a strategy trades a symbol only while the venue's book is synced and
//! fresh, its account has no order of unknown fate, and the candle is recent. Otherwise
//! it waits, says why in its status, and resumes by itself.
use std::collections::HashMap;
use std::sync::Mutex;

use quorum_domain::convert;
use quorum_domain::{Decimal, Symbol, Venue};
use quorum_proto::exchange::v1 as exchange;

use crate::engine::Engine;
use crate::model::Strategy;
use crate::peers::{CALL_DEADLINE, request};

/// What the loop needs of a market to size and price an order.
#[derive(Debug, Clone)]
pub struct Market {
    pub best_bid: Decimal,
    pub best_ask: Decimal,
    pub lot_size: Decimal,
    pub min_notional: Decimal,
    pub base_asset: String,
}

/// An instrument's trading rules, as its connector lists them.
#[derive(Debug, Clone)]
struct Rules {
    lot_size: Decimal,
    min_notional: Decimal,
    base_asset: String,
}

/// Instruments by venue and symbol, fetched once per venue.
#[derive(Default)]
pub struct Instruments {
    known: Mutex<HashMap<(Venue, Symbol), Rules>>,
}

impl Engine {
    /// The market of `strategy` if it may trade on a candle that closed at
    /// `closed_at_ms`, else why not.
    pub(crate) async fn readiness(
        &self,
        strategy: &Strategy,
        closed_at_ms: i64,
        now_ms: i64,
    ) -> Result<Market, String> {
        let spec = &strategy.spec;
        let lag = now_ms - closed_at_ms;
        if lag > self.settings.max_candle_lag_ms {
            return Err(format!(
                "the candle closed {lag} ms ago (over {} ms): too late to act on",
                self.settings.max_candle_lag_ms
            ));
        }
        if !self.recovery.is_settled(spec.venue, &spec.account) {
            return Err(format!(
                "reconciling orders of account {} on {} after a restart or an unanswered order",
                spec.account, spec.venue
            ));
        }
        let rules = self.rules(spec.venue, &spec.symbol).await?;
        let Some(mut connector) = self.peers.connector(spec.venue) else {
            return Err(format!("no connector for {}", spec.venue));
        };
        let message = exchange::GetOrderBookRequest {
            symbol: spec.symbol.to_string(),
            depth: 1,
        };
        let book = connector
            .get_order_book(request(message, CALL_DEADLINE))
            .await
            .map_err(|status| {
                format!(
                    "book of {} on {} is not available: {}",
                    spec.symbol,
                    spec.venue,
                    status.message()
                )
            })?
            .into_inner()
            .book
            .ok_or_else(|| format!("{} answered without a book", spec.venue.connector_service()))?;
        let age = now_ms - book.updated_unix_ms;
        if age > self.settings.max_book_age_ms {
            return Err(format!(
                "price of {} on {} is stale: the book last changed {age} ms ago (limit {} ms)",
                spec.symbol, spec.venue, self.settings.max_book_age_ms
            ));
        }
        let best = |levels: &[quorum_proto::market::v1::PriceLevel]| {
            levels
                .first()
                .and_then(|level| convert::parse_decimal("price", level.price.as_ref()).ok())
        };
        match (best(&book.bids), best(&book.asks)) {
            (Some(best_bid), Some(best_ask)) if best_bid < best_ask => Ok(Market {
                best_bid,
                best_ask,
                lot_size: rules.lot_size,
                min_notional: rules.min_notional,
                base_asset: rules.base_asset,
            }),
            _ => Err(format!(
                "book of {} on {} is one-sided or crossed",
                spec.symbol, spec.venue
            )),
        }
    }

    async fn rules(&self, venue: Venue, symbol: &Symbol) -> Result<Rules, String> {
        let key = (venue, symbol.clone());
        if let Some(rules) = lock(&self.instruments.known).get(&key) {
            return Ok(rules.clone());
        }
        let Some(mut connector) = self.peers.connector(venue) else {
            return Err(format!("no connector for {venue}"));
        };
        let instruments = connector
            .list_instruments(request(exchange::ListInstrumentsRequest {}, CALL_DEADLINE))
            .await
            .map_err(|status| format!("{}: {}", venue.connector_service(), status.message()))?
            .into_inner()
            .instruments;
        let mut known = lock(&self.instruments.known);
        for instrument in instruments {
            let Ok(parsed) = instrument.symbol.parse::<Symbol>() else {
                continue;
            };
            let lot_size = convert::parse_decimal("lot_size", instrument.lot_size.as_ref())
                .unwrap_or(Decimal::ZERO);
            let min_notional =
                convert::parse_decimal("min_notional", instrument.min_notional.as_ref())
                    .unwrap_or(Decimal::ZERO);
            known.insert(
                (venue, parsed),
                Rules {
                    lot_size,
                    min_notional,
                    base_asset: instrument.base_asset,
                },
            );
        }
        known
            .get(&key)
            .cloned()
            .ok_or_else(|| format!("{} does not list {symbol}", venue.connector_service()))
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
