//! Hand-made cases through the whole ledger: buys, a partial sell, a flip, fees,
//! transfers, idempotency and valuation at marks.
use quorum_domain::{Decimal, Fill, Liquidity, Side, Symbol, Venue};
use rust_decimal::dec;

use crate::{Ledger, LedgerAccount, LedgerError, Mark, Marks, Outcome, Transfer};

fn symbol(text: &str) -> Symbol {
    text.parse().unwrap()
}

fn fill(id: &str, side: Side, quantity: Decimal, price: Decimal, fee: Decimal) -> Fill {
    Fill {
        fill_id: id.into(),
        order_id: format!("order-{id}"),
        account: "alice".into(),
        venue: Venue::Binance,
        symbol: symbol("BTC-USDT"),
        side,
        price,
        quantity,
        fee,
        fee_asset: "USDT".into(),
        liquidity: Liquidity::Taker,
        filled_at_ms: 1_700_000_000_000,
    }
}

fn deposit(id: &str, asset: &str, amount: Decimal) -> Transfer {
    Transfer {
        transfer_id: id.into(),
        account: "alice".into(),
        venue: Venue::Binance,
        asset: asset.into(),
        amount,
        memo: "opening balance".into(),
        at_ms: 1_699_999_999_000,
    }
}

fn funded() -> Ledger {
    let mut ledger = Ledger::new("USDT").unwrap();
    ledger
        .apply_transfer(&deposit("open", "USDT", dec!(100000)))
        .unwrap();
    ledger
}

fn holdings(ledger: &Ledger, asset: &str) -> Decimal {
    ledger.balance(&LedgerAccount::holdings("alice", Venue::Binance), asset)
}

fn marks(price: Decimal) -> Marks {
    let mut marks = Marks::new();
    marks.set(
        symbol("BTC-USDT"),
        Mark {
            price,
            at_ms: 1_700_000_001_000,
        },
    );
    marks
}

#[test]
fn a_buy_pays_notional_plus_fee_and_opens_a_position() {
    let mut ledger = funded();
    let outcome = ledger
        .apply_fill(&fill("1", Side::Buy, dec!(0.5), dec!(40000), dec!(20)))
        .unwrap();
    let Outcome::Applied(effect) = outcome else {
        panic!("the fill was not applied")
    };
    assert!(effect.entry.is_balanced());
    assert_eq!(effect.entry.sequence, 2);
    assert_eq!(effect.realized_pnl, dec!(-20));
    assert_eq!(
        holdings(&ledger, "USDT"),
        dec!(100000) - dec!(20000) - dec!(20)
    );
    assert_eq!(holdings(&ledger, "BTC"), dec!(0.5));
    assert_eq!(
        ledger.balance(
            &LedgerAccount::Fees {
                venue: Venue::Binance
            },
            "USDT"
        ),
        dec!(20)
    );
    let position = ledger
        .position("alice", Venue::Binance, &symbol("BTC-USDT"))
        .unwrap();
    assert_eq!(position.average_cost(), Some(dec!(40000)));
    assert_eq!(position.realized_pnl(), dec!(-20));
}

#[test]
fn a_partial_sell_receives_notional_less_fee_and_realizes_net_of_fees() {
    let mut ledger = funded();
    ledger
        .apply_fill(&fill("1", Side::Buy, dec!(1), dec!(40000), dec!(40)))
        .unwrap();
    let Outcome::Applied(effect) = ledger
        .apply_fill(&fill("2", Side::Sell, dec!(0.25), dec!(44000), dec!(11)))
        .unwrap()
    else {
        panic!("the sell was not applied")
    };
    assert_eq!(effect.realized_pnl, dec!(1000) - dec!(11));
    assert_eq!(
        holdings(&ledger, "USDT"),
        dec!(100000) - dec!(40040) + dec!(11000) - dec!(11)
    );
    assert_eq!(holdings(&ledger, "BTC"), dec!(0.75));
    let view = ledger.portfolio("alice", None, &marks(dec!(42000)));
    let position = &view.positions[0];
    assert_eq!(position.position.average_cost(), Some(dec!(40000)));
    assert_eq!(position.position.realized_pnl(), dec!(1000) - dec!(51));
    assert_eq!(position.unrealized_pnl, Some(dec!(1500)));
    assert_eq!(position.market_value, Some(dec!(31500)));
    assert_eq!(view.fees, Some(dec!(51)));
    assert_eq!(view.cash, dec!(70949));
    assert_eq!(view.equity, Some(dec!(70949) + dec!(31500)));
    // Equity change = realized (net of fees) + unrealized when no money moved in or out.
    assert_eq!(
        view.equity.unwrap() - dec!(100000),
        view.realized_pnl.unwrap() + view.unrealized_pnl.unwrap()
    );
}

#[test]
fn a_flip_realizes_the_long_and_opens_a_short_that_values_negative() {
    let mut ledger = funded();
    ledger
        .apply_fill(&fill("1", Side::Buy, dec!(1), dec!(100), dec!(0)))
        .unwrap();
    ledger
        .apply_fill(&fill("2", Side::Sell, dec!(3), dec!(110), dec!(0.33)))
        .unwrap();
    let view = ledger.portfolio("alice", Some(Venue::Binance), &marks(dec!(105)));
    let position = &view.positions[0].position;
    assert_eq!(position.quantity, dec!(-2));
    assert_eq!(position.average_cost(), Some(dec!(110)));
    assert_eq!(position.realized_pnl(), dec!(10) - dec!(0.33));
    assert_eq!(view.unrealized_pnl, Some(dec!(10)));
    assert_eq!(view.exposures[0].asset, "BTC");
    assert_eq!(view.exposures[0].value, Some(dec!(-210)));
    assert_eq!(view.gross_exposure, Some(dec!(210)));
    assert_eq!(view.net_exposure, Some(dec!(-210)));
    assert_eq!(view.updated_at_ms, 1_700_000_001_000);
    assert_eq!(view.fills, 2);
}

#[test]
fn the_same_fill_or_transfer_twice_changes_nothing() {
    let mut ledger = funded();
    let buy = fill("1", Side::Buy, dec!(1), dec!(100), dec!(0.1));
    assert!(ledger.apply_fill(&buy).unwrap().is_applied());
    let before: Vec<_> = ledger
        .balances()
        .map(|(a, s, v)| (a.clone(), s.to_string(), v))
        .collect();
    let mut again = buy.clone();
    again.fill_id = " 1 ".into();
    assert_eq!(ledger.apply_fill(&again).unwrap(), Outcome::AlreadyApplied);
    assert_eq!(
        ledger
            .apply_transfer(&deposit("open", "USDT", dec!(5)))
            .unwrap(),
        Outcome::AlreadyApplied
    );
    let after: Vec<_> = ledger
        .balances()
        .map(|(a, s, v)| (a.clone(), s.to_string(), v))
        .collect();
    assert_eq!(before, after);
    assert_eq!(ledger.entries(), 2);
    // The same id on another venue is another fill.
    let mut elsewhere = buy;
    elsewhere.venue = Venue::Okx;
    assert!(ledger.apply_fill(&elsewhere).unwrap().is_applied());
}

#[test]
fn no_mark_leaves_values_unset_rather_than_zero() {
    let mut ledger = funded();
    ledger
        .apply_fill(&fill("1", Side::Buy, dec!(1), dec!(100), dec!(0)))
        .unwrap();
    let view = ledger.portfolio("alice", None, &Marks::new());
    assert_eq!(view.positions[0].unrealized_pnl, None);
    assert_eq!(view.positions[0].market_value, None);
    assert_eq!(view.unrealized_pnl, None);
    assert_eq!(view.equity, None);
    assert_eq!(view.exposures[0].value, None);
    // Realized PnL and cash need no mark.
    assert_eq!(view.realized_pnl, Some(dec!(0)));
    assert_eq!(view.cash, dec!(99900));
}

#[test]
fn a_stale_plan_is_refused_and_changes_nothing() {
    let mut ledger = funded();
    let Outcome::Applied(first) = ledger
        .plan_fill(&fill("1", Side::Buy, dec!(1), dec!(100), dec!(0)))
        .unwrap()
    else {
        panic!("not planned")
    };
    let Outcome::Applied(second) = ledger
        .plan_fill(&fill("2", Side::Buy, dec!(1), dec!(100), dec!(0)))
        .unwrap()
    else {
        panic!("not planned")
    };
    assert_eq!(holdings(&ledger, "BTC"), dec!(0));
    ledger.commit_fill(&first).unwrap();
    assert_eq!(ledger.commit_fill(&second), Err(LedgerError::Stale));
    assert_eq!(ledger.commit_fill(&first), Err(LedgerError::Stale));
    assert_eq!(holdings(&ledger, "BTC"), dec!(1));
}

#[test]
fn withdrawals_and_other_assets_count_in_equity_at_their_price() {
    let mut ledger = funded();
    ledger
        .apply_transfer(&deposit("btc", "btc", dec!(2)))
        .unwrap();
    ledger
        .apply_transfer(&deposit("out", "USDT", dec!(-1000)))
        .unwrap();
    let view = ledger.portfolio("alice", None, &marks(dec!(30000)));
    assert_eq!(view.balances.get("BTC"), Some(&dec!(2)));
    assert_eq!(view.equity, Some(dec!(99000) + dec!(60000)));
    assert_eq!(view.positions_value(), Some(dec!(60000)));
    assert_eq!(view.positions.len(), 0);
    assert_eq!(ledger.activity("alice", None).transfers, 3);
    assert!(ledger.knows_account("alice"));
    assert!(!ledger.knows_account("bob"));
    assert_eq!(ledger.accounts(), ["alice"]);
}

#[test]
fn bad_input_is_refused_before_anything_changes() {
    let mut ledger = funded();
    let mut bad = fill("1", Side::Buy, dec!(1), dec!(100), dec!(0));
    bad.price = dec!(0);
    let error = ledger.apply_fill(&bad).unwrap_err();
    assert_eq!(error.field(), Some("fill.price"));
    assert_eq!(ledger.entries(), 1);
    assert!(Ledger::new("US DT").is_err());
}
