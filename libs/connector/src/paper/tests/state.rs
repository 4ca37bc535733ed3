//! What the engine hands to storage: a snapshot restores to the same engine, and the
//! change sets, applied in order to an empty store, hold exactly the snapshot.
use std::collections::{BTreeMap, HashMap};

use super::*;
use proptest::prelude::*;
use quorum_domain::{Level, OrderEvent, Side};
use rust_decimal::dec;

/// One thing that can happen to the engine.
#[derive(Debug, Clone)]
enum Step {
    Limit {
        account: usize,
        buy: bool,
        lots: u32,
        ticks: i64,
        time_in_force: usize,
        client: Option<u8>,
    },
    Market {
        account: usize,
        buy: bool,
        lots: u32,
    },
    Cancel {
        pick: usize,
    },
    Book {
        ask: bool,
        ticks: i64,
        lots: u32,
    },
    Trade {
        taker_buy: bool,
        ticks: i64,
        lots: u32,
    },
}

const ACCOUNTS: [&str; 2] = ["default", "alice"];

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (0..2usize, any::<bool>(), 1..2500u32, -400..400i64, 0..3usize, proptest::option::of(0..6u8))
            .prop_map(|(account, buy, lots, ticks, time_in_force, client)| Step::Limit {
                account, buy, lots, ticks, time_in_force, client,
            }),
        1 => (0..2usize, any::<bool>(), 1..1500u32)
            .prop_map(|(account, buy, lots)| Step::Market { account, buy, lots }),
        2 => any::<usize>().prop_map(|pick| Step::Cancel { pick }),
        2 => (any::<bool>(), -400..400i64, 0..3000u32)
            .prop_map(|(ask, ticks, lots)| Step::Book { ask, ticks, lots }),
        2 => (any::<bool>(), -400..400i64, 1..3000u32)
            .prop_map(|(taker_buy, ticks, lots)| Step::Trade { taker_buy, ticks, lots }),
    ]
}

fn price(ticks: i64) -> Decimal {
    dec!(100) + Decimal::from(ticks) * dec!(0.01)
}

fn lots(count: u32) -> Decimal {
    Decimal::from(count) * dec!(0.001)
}

/// Runs `steps` on `engine` over a book that the steps change too.
fn run(engine: &mut PaperEngine, steps: &[Step], mut each: impl FnMut(&mut PaperEngine)) {
    let mut book = book();
    let mut now = NOW;
    for step in steps {
        now += 1;
        match step.clone() {
            Step::Limit {
                account,
                buy,
                lots: count,
                ticks,
                time_in_force,
                client,
            } => {
                let tif = [TimeInForce::Gtc, TimeInForce::Ioc, TimeInForce::Fok][time_in_force];
                let side = if buy { Side::Buy } else { Side::Sell };
                let request = NewOrder {
                    account: ACCOUNTS[account].into(),
                    client_order_id: client.map(|c| format!("c{c}")).unwrap_or_default(),
                    ..limit(side, lots(count), price(ticks), tif)
                };
                let _ = engine.place(request, &instrument(), &book, now);
            }
            Step::Market {
                account,
                buy,
                lots: count,
            } => {
                let side = if buy { Side::Buy } else { Side::Sell };
                let request = NewOrder {
                    account: ACCOUNTS[account].into(),
                    time_in_force: Some(TimeInForce::Ioc),
                    ..order(side, OrderType::Market, lots(count), None)
                };
                let _ = engine.place(request, &instrument(), &book, now);
            }
            Step::Cancel { pick } => {
                let open: Vec<Order> = ACCOUNTS
                    .iter()
                    .flat_map(|account| engine.open_orders(account, None))
                    .collect();
                if !open.is_empty() {
                    let target = &open[pick % open.len()];
                    let _ = engine.cancel(&target.account, OrderRef::Id(&target.order_id), now);
                }
            }
            Step::Book {
                ask,
                ticks,
                lots: count,
            } => {
                let side = if ask { Side::Sell } else { Side::Buy };
                let level = Level::new(price(ticks), lots(count));
                book.apply(side, level.price, level.quantity);
                let change = BookUpdate {
                    bids: if ask { vec![] } else { vec![level] },
                    asks: if ask { vec![level] } else { vec![] },
                    ..update(vec![])
                };
                engine.on_book(&symbol(), &[change], &book, now);
            }
            Step::Trade {
                taker_buy,
                ticks,
                lots: count,
            } => {
                let trade = Trade {
                    venue: Venue::Binance,
                    symbol: symbol(),
                    trade_id: format!("t{now}"),
                    price: price(ticks),
                    quantity: lots(count),
                    taker_side: if taker_buy { Side::Buy } else { Side::Sell },
                    traded_at_ms: now,
                };
                engine.on_trade(&trade, now);
            }
        }
        each(engine);
    }
}

/// A store kept the way the database keeps it: rows by key, closed orders ranked by
/// the order they were first written closed.
#[derive(Default)]
struct Store {
    next_id: u64,
    balances: BTreeMap<(String, String), AccountBalance>,
    orders: HashMap<String, (StoredOrder, Option<u64>)>,
    close_rank: u64,
    events: Vec<OrderEvent>,
    fills: Vec<Fill>,
}

impl Store {
    fn apply(&mut self, changes: ChangeSet) {
        self.next_id = self.next_id.max(changes.next_id);
        for id in &changes.forgotten {
            self.orders.remove(id);
        }
        for stored in changes.orders {
            let rank = self
                .orders
                .get(&stored.order.order_id)
                .and_then(|(_, rank)| *rank);
            let rank = match rank {
                Some(rank) => Some(rank),
                None if !stored.order.status.is_open() => {
                    self.close_rank += 1;
                    Some(self.close_rank)
                }
                None => None,
            };
            self.orders
                .insert(stored.order.order_id.clone(), (stored, rank));
        }
        for balance in changes.balances {
            let key = (balance.account.clone(), balance.asset.clone());
            self.balances.insert(key, balance);
        }
        self.events.extend(changes.events);
        self.fills.extend(changes.fills);
    }

    fn state(&self) -> PaperState {
        let mut open: Vec<StoredOrder> = Vec::new();
        let mut closed: Vec<(u64, StoredOrder)> = Vec::new();
        for (stored, rank) in self.orders.values() {
            match rank {
                Some(rank) => closed.push((*rank, stored.clone())),
                None => open.push(stored.clone()),
            }
        }
        open.sort_by_key(|stored| stored.number);
        closed.sort_by_key(|(rank, _)| *rank);
        PaperState {
            next_id: self.next_id,
            balances: self.balances.values().cloned().collect(),
            open,
            closed: closed.into_iter().map(|(_, stored)| stored).collect(),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn a_restored_snapshot_is_the_same_engine(steps in proptest::collection::vec(step(), 1..60)) {
        let mut engine = engine();
        run(&mut engine, &steps, |_| {});
        let snapshot = engine.snapshot();
        let mut restored = super::engine();
        restored.restore(snapshot.clone());
        prop_assert_eq!(restored.snapshot(), snapshot);
        prop_assert!(restored.take_changes().is_none(), "restoring is not a change");
        for account in ACCOUNTS {
            prop_assert_eq!(restored.balances(account), engine.balances(account));
            prop_assert_eq!(restored.open_orders(account, None), engine.open_orders(account, None));
            for order in engine.open_orders(account, None) {
                let by_client = OrderRef::Client(&order.client_order_id);
                prop_assert_eq!(restored.get(account, by_client), Some(order.clone()));
                // Both cancel alike: the same order, the same funds released.
                let id = OrderRef::Id(&order.order_id);
                prop_assert_eq!(restored.cancel(account, id, NOW), engine.cancel(account, id, NOW));
            }
            prop_assert_eq!(restored.balances(account), engine.balances(account));
        }
    }

    #[test]
    fn change_sets_applied_in_order_hold_the_snapshot(steps in proptest::collection::vec(step(), 1..60)) {
        let mut engine = engine();
        let mut store = Store::default();
        let mut fills = Vec::new();
        run(&mut engine, &steps, |engine| {
            if let Some(changes) = engine.take_changes() {
                store.apply(changes);
            }
        });
        prop_assert_eq!(store.state(), engine.snapshot());
        for order in engine.snapshot().open.iter().chain(&engine.snapshot().closed) {
            fills.extend(order.order.fills.clone());
        }
        // Every fill of a kept order was handed over once, and every event id is new.
        for fill in &fills {
            prop_assert_eq!(store.fills.iter().filter(|f| f.fill_id == fill.fill_id).count(), 1);
        }
        let mut ids: Vec<&str> = store.events.iter().map(|event| event.event_id.as_str()).collect();
        ids.sort_unstable();
        let before = ids.len();
        ids.dedup();
        prop_assert_eq!(ids.len(), before, "event ids repeat");
    }
}

#[test]
fn a_taker_order_tells_placed_each_fill_and_how_it_ended() {
    let mut engine = engine();
    // Buys 1 at 100 and 2 at 101 (limit 101, 4 wanted); the last 1 is cancelled.
    let placement = engine
        .place(
            limit(Side::Buy, dec!(4), dec!(101), TimeInForce::Ioc),
            &instrument(),
            &book(),
            NOW,
        )
        .unwrap();
    let changes = engine.take_changes().unwrap();
    let kinds: Vec<(OrderEventKind, &str)> = changes
        .events
        .iter()
        .map(|event| (event.kind, event.event_id.as_str()))
        .collect();
    let id = &placement.order.order_id;
    assert_eq!(
        kinds,
        [
            (OrderEventKind::Placed, format!("{id}:placed").as_str()),
            (
                OrderEventKind::PartiallyFilled,
                format!("{id}:fill-1").as_str()
            ),
            (
                OrderEventKind::PartiallyFilled,
                format!("{id}:fill-2").as_str()
            ),
            (OrderEventKind::Expired, format!("{id}:expired").as_str()),
        ]
    );
    assert_eq!(changes.events[0].order.filled_quantity, dec!(0));
    assert_eq!(changes.events[2].order.filled_quantity, dec!(3));
    assert_eq!(changes.events[3].order, placement.order);
    assert_eq!(changes.fills, placement.fills);
    assert_eq!(changes.orders.len(), 1);
    assert_eq!(changes.next_id, 1);
    let usdt = changes.balances.iter().find(|b| b.asset == "USDT").unwrap();
    assert_eq!(usdt.locked, dec!(0));
    assert!(engine.take_changes().is_none(), "taken once");

    let bid = limit(Side::Buy, dec!(1), dec!(90), TimeInForce::Gtc);
    let resting = engine.place(bid, &instrument(), &book(), NOW).unwrap();
    engine
        .cancel("default", OrderRef::Id(&resting.order.order_id), NOW + 1)
        .unwrap();
    let kinds: Vec<OrderEventKind> = engine
        .take_changes()
        .unwrap()
        .events
        .iter()
        .map(|event| event.kind)
        .collect();
    assert_eq!(kinds, [OrderEventKind::Placed, OrderEventKind::Cancelled]);
}
