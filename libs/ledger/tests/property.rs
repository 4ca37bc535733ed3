//! Ledger invariants over random sequences of fills, transfers and redeliveries:
//! (a) every entry balances in every asset, and so does the whole ledger;
//! (b) holdings equal transfers + signed fills - fees, replayed here independently;
//! (c) applying any fill again changes nothing;
//! (d) realized + unrealized PnL equals the equity change less the net transfers, all at
//!     the same marks.
// Tests panic on failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]
use std::collections::BTreeMap;

use proptest::prelude::*;
use quorum_domain::{Decimal, Fill, Liquidity, Side, Symbol, Venue};
use quorum_ledger::{Ledger, LedgerAccount, Mark, Marks, Outcome, Transfer};

const ACCOUNTS: [&str; 2] = ["alice", "bob"];
const VENUES: [Venue; 2] = [Venue::Binance, Venue::Okx];
const SYMBOLS: [&str; 2] = ["BTC-USDT", "ETH-USDT"];
const ASSETS: [&str; 3] = ["USDT", "BTC", "ETH"];

#[derive(Debug, Clone)]
enum Step {
    Fill {
        account: usize,
        venue: usize,
        symbol: usize,
        buy: bool,
        /// Thousandths of a unit.
        lots: u32,
        /// Quarters of a USDT.
        ticks: u32,
        /// Basis points of the notional.
        fee_bps: u32,
    },
    Transfer {
        account: usize,
        venue: usize,
        asset: usize,
        /// Hundredths, may be negative.
        cents: i64,
    },
    /// Delivers an earlier fill again (the index wraps around the fills so far).
    Redeliver(usize),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (0..2usize, 0..2usize, 0..2usize, any::<bool>(), 1u32..5000, 1u32..400_000, 0u32..=10)
            .prop_map(|(account, venue, symbol, buy, lots, ticks, fee_bps)| Step::Fill {
                account, venue, symbol, buy, lots, ticks, fee_bps
            }),
        2 => (0..2usize, 0..2usize, 0..3usize, -5_000_000i64..10_000_000)
            .prop_filter("a transfer moves something", |(_, _, _, cents)| *cents != 0)
            .prop_map(|(account, venue, asset, cents)| Step::Transfer { account, venue, asset, cents }),
        1 => any::<usize>().prop_map(Step::Redeliver),
    ]
}

fn symbol(text: &str) -> Symbol {
    text.parse().unwrap()
}

fn make_fill(index: usize, step: &Step) -> Option<Fill> {
    let Step::Fill {
        account,
        venue,
        symbol: which,
        buy,
        lots,
        ticks,
        fee_bps,
    } = *step
    else {
        return None;
    };
    let quantity = Decimal::new(i64::from(lots), 3);
    let price = Decimal::new(i64::from(ticks) * 25, 2);
    let fee = (quantity * price * Decimal::new(i64::from(fee_bps), 4)).round_dp(8);
    Some(Fill {
        fill_id: format!("fill-{index}"),
        order_id: format!("order-{index}"),
        account: ACCOUNTS[account].into(),
        venue: VENUES[venue],
        symbol: symbol(SYMBOLS[which]),
        side: if buy { Side::Buy } else { Side::Sell },
        price,
        quantity,
        fee,
        fee_asset: "USDT".into(),
        liquidity: Liquidity::Taker,
        filled_at_ms: 1_700_000_000_000 + index as i64,
    })
}

/// The ledger's visible state, to compare before and after a redelivery.
fn snapshot(ledger: &Ledger) -> (Vec<(LedgerAccount, String, Decimal)>, Vec<String>) {
    let balances = ledger
        .balances()
        .map(|(account, asset, amount)| (account.clone(), asset.to_string(), amount))
        .collect();
    let positions = ACCOUNTS
        .iter()
        .flat_map(|account| ledger.positions(account, None))
        .map(|position| format!("{position:?}"))
        .collect();
    (balances, positions)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_ledger_keeps_its_invariants(
        steps in prop::collection::vec(step(), 1..120),
        btc_mark in 1u32..8_000_000,
        eth_mark in 1u32..800_000,
    ) {
        let mut ledger = Ledger::new("USDT").unwrap();
        let mut fills: Vec<Fill> = Vec::new();
        // (account, venue, asset) -> amount, replayed without the ledger.
        let mut expected: BTreeMap<(String, Venue, String), Decimal> = BTreeMap::new();
        // account -> asset -> net amount transferred in.
        let mut transferred: BTreeMap<String, BTreeMap<String, Decimal>> = BTreeMap::new();

        for (index, step) in steps.iter().enumerate() {
            match step {
                Step::Fill { .. } => {
                    let fill = make_fill(index, step).unwrap();
                    let Outcome::Applied(effect) = ledger.apply_fill(&fill).unwrap() else {
                        panic!("a new fill id was taken for a duplicate");
                    };
                    // (a) each entry balances in each asset.
                    prop_assert!(effect.entry.is_balanced(), "{:?}", effect.entry);
                    let sign = if fill.side == Side::Buy { Decimal::ONE } else { Decimal::NEGATIVE_ONE };
                    let key = |asset: &str| (fill.account.clone(), fill.venue, asset.to_string());
                    *expected.entry(key(fill.symbol.base())).or_default() += sign * fill.quantity;
                    *expected.entry(key(fill.symbol.quote())).or_default() -=
                        sign * fill.quantity * fill.price + fill.fee;
                    fills.push(fill);
                }
                Step::Transfer { account, venue, asset, cents } => {
                    let transfer = Transfer {
                        transfer_id: format!("transfer-{index}"),
                        account: ACCOUNTS[*account].into(),
                        venue: VENUES[*venue],
                        asset: ASSETS[*asset].into(),
                        amount: Decimal::new(*cents, 2),
                        memo: String::new(),
                        at_ms: 1_700_000_000_000 + index as i64,
                    };
                    let Outcome::Applied(effect) = ledger.apply_transfer(&transfer).unwrap() else {
                        panic!("a new transfer id was taken for a duplicate");
                    };
                    prop_assert!(effect.entry.is_balanced());
                    *expected
                        .entry((transfer.account.clone(), transfer.venue, transfer.asset.clone()))
                        .or_default() += transfer.amount;
                    *transferred
                        .entry(transfer.account.clone())
                        .or_default()
                        .entry(transfer.asset.clone())
                        .or_default() += transfer.amount;
                }
                Step::Redeliver(pick) => {
                    if fills.is_empty() {
                        continue;
                    }
                    // (c) a redelivered fill changes nothing.
                    let before = snapshot(&ledger);
                    let again = &fills[pick % fills.len()];
                    prop_assert_eq!(ledger.apply_fill(again).unwrap(), Outcome::AlreadyApplied);
                    prop_assert_eq!(snapshot(&ledger), before);
                }
            }
        }

        // (a) over the whole ledger, every asset sums to zero.
        let mut totals: BTreeMap<String, Decimal> = BTreeMap::new();
        for (_, asset, amount) in ledger.balances() {
            *totals.entry(asset.to_string()).or_default() += amount;
        }
        for (asset, total) in &totals {
            prop_assert!(total.is_zero(), "{asset} sums to {total}");
        }

        // (b) holdings equal the independent replay.
        for ((account, venue, asset), amount) in &expected {
            let held = ledger.balance(&LedgerAccount::holdings(account, *venue), asset);
            prop_assert_eq!(held, *amount, "{} {} {}", account, venue, asset);
        }

        // (c) once more for every fill at the end.
        let before = snapshot(&ledger);
        for fill in &fills {
            prop_assert!(!ledger.apply_fill(fill).unwrap().is_applied());
        }
        prop_assert_eq!(snapshot(&ledger), before);

        // (d) realized + unrealized = equity - net transfers, valued at the same marks.
        let mut marks = Marks::new();
        let btc = Decimal::new(i64::from(btc_mark), 2);
        let eth = Decimal::new(i64::from(eth_mark), 2);
        marks.set(symbol("BTC-USDT"), Mark { price: btc, at_ms: 1 });
        marks.set(symbol("ETH-USDT"), Mark { price: eth, at_ms: 1 });
        let price = |asset: &str| match asset {
            "BTC" => btc,
            "ETH" => eth,
            _ => Decimal::ONE,
        };
        for account in ACCOUNTS {
            let view = ledger.portfolio(account, None, &marks);
            let net_transfers: Decimal = transferred
                .get(account)
                .map(|assets| assets.iter().map(|(asset, amount)| *amount * price(asset)).sum())
                .unwrap_or_default();
            let equity = view.equity.unwrap();
            let pnl = view.realized_pnl.unwrap() + view.unrealized_pnl.unwrap();
            prop_assert_eq!(pnl, equity - net_transfers, "{}", account);
        }
    }
}
