//! The sizing step: the order's quantity from the strategy's sizing rule at the touch,
//! rounded to the venue's lot, and for a sell capped by what the account holds there.
use quorum_domain::convert;
use quorum_domain::{Candle, Decimal, Side, Venue};
use quorum_proto::exchange::v1 as exchange;

use super::Finish;
use crate::engine::Engine;
use crate::model::{Intent, Outcome, Strategy, client_order_id};
use crate::peers::{CALL_DEADLINE, request};
use crate::readiness::Market;
use crate::sizing::{self, SizingInput};

impl Engine {
    pub(super) async fn size(
        &self,
        strategy: &Strategy,
        side: Side,
        agreement: f64,
        market: &Market,
        candles: &[Candle],
        run_id: &str,
    ) -> Result<Intent, Finish> {
        let spec = &strategy.spec;
        let price = match side {
            Side::Buy => market.best_ask,
            Side::Sell => market.best_bid,
        };
        let closes: Vec<Decimal> = candles.iter().map(|c| c.close).collect();
        let input = SizingInput {
            capital: spec.capital,
            agreement,
            realized_volatility: sizing::realized_volatility(&closes, spec.interval_ms()),
        };
        let notional = spec
            .sizing
            .notional(&input)
            .map_err(|problem| Finish::new(Outcome::SizeZero, problem.0))?;
        let mut quantity = sizing::quantity(notional, price, market.lot_size, market.min_notional);
        if side == Side::Sell {
            let held = self
                .free_balance(spec.venue, &spec.account, &market.base_asset)
                .await
                .map_err(|detail| Finish::new(Outcome::Failed, detail))?;
            quantity = quantity.min(sizing::round_down_to_lot(held, market.lot_size));
        }
        if quantity <= Decimal::ZERO {
            return Err(Finish::new(
                Outcome::SizeZero,
                format!(
                    "{side:?} {notional} of {} at {price} is below one lot or the minimum notional (or nothing is held to sell)",
                    spec.symbol
                ),
            ));
        }
        Ok(Intent {
            client_order_id: client_order_id(run_id),
            side,
            quantity,
            price,
        })
    }

    async fn free_balance(
        &self,
        venue: Venue,
        account: &str,
        asset: &str,
    ) -> Result<Decimal, String> {
        let Some(mut connector) = self.peers.connector(venue) else {
            return Err(format!("no connector for {venue}"));
        };
        let message = exchange::GetBalancesRequest {
            account: account.to_string(),
        };
        let balances = connector
            .get_balances(request(message, CALL_DEADLINE))
            .await
            .map_err(|status| format!("{}: {}", venue.connector_service(), status.message()))?
            .into_inner()
            .balances;
        let free = balances
            .iter()
            .find(|balance| balance.asset == asset)
            .and_then(|balance| convert::parse_decimal("free", balance.free.as_ref()).ok())
            .unwrap_or(Decimal::ZERO);
        Ok(free)
    }
}
