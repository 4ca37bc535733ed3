//! Each rule at, just under and just over its limit, with every other rule passing.
use rust_decimal::dec;

use super::*;

fn limits() -> Limits {
    Limits {
        max_order_notional: dec!(10000),
        max_position_notional: dec!(20000),
        max_gross_exposure: dec!(50000),
        max_net_exposure: dec!(40000),
        max_leverage: dec!(5),
        max_daily_loss: dec!(1000),
        max_orders_per_minute: 10,
        price_band_bps: 100,
        reducing_drawdown: 0.1,
        halting_drawdown: 0.2,
    }
}

/// Long 1 BTC at 100 (value 100), gross 10000, net 6000, equity 20000, flat day.
fn account() -> Account {
    Account {
        position: dec!(1),
        position_value: dec!(100),
        gross_exposure: dec!(10000),
        net_exposure: dec!(6000),
        equity: Some(dec!(20000)),
        day_start_equity: Some(dec!(20000)),
    }
}

fn buy(quantity: Decimal) -> Order {
    Order {
        side: Side::Buy,
        quantity,
        price: dec!(100),
    }
}

fn run(order: Order, account: Account, limits: &Limits, state: TradingState) -> Vec<Verdict> {
    run_with(order, account, limits, state, &Mark::Fresh(dec!(100)), 1)
}

fn run_with(
    order: Order,
    account: Account,
    limits: &Limits,
    state: TradingState,
    mark: &Mark,
    orders_last_minute: u64,
) -> Vec<Verdict> {
    evaluate(&Inputs {
        order,
        account,
        limits,
        state,
        mark,
        orders_last_minute,
    })
}

fn failed(verdicts: &[Verdict]) -> Vec<&'static str> {
    verdicts
        .iter()
        .filter(|verdict| !verdict.passed)
        .map(|verdict| verdict.rule)
        .collect()
}

fn verdict<'a>(verdicts: &'a [Verdict], rule: &str) -> &'a Verdict {
    verdicts
        .iter()
        .find(|verdict| verdict.rule == rule)
        .unwrap()
}

#[test]
fn an_ordinary_order_passes_every_rule_and_reports_each_once() {
    let verdicts = run(buy(dec!(1)), account(), &limits(), TradingState::Active);
    assert!(failed(&verdicts).is_empty(), "{verdicts:#?}");
    let mut rules: Vec<&str> = verdicts.iter().map(|verdict| verdict.rule).collect();
    rules.sort_unstable();
    let mut expected = RULES.to_vec();
    expected.sort_unstable();
    assert_eq!(rules, expected);
}

#[test]
fn order_notional_passes_at_the_limit_and_fails_just_over() {
    let mut limits = limits();
    limits.max_position_notional = dec!(1000000);
    let at = run(buy(dec!(100)), account(), &limits, TradingState::Active);
    assert!(failed(&at).is_empty(), "{at:#?}");
    let over = run(
        buy(dec!(100.0001)),
        account(),
        &limits,
        TradingState::Active,
    );
    assert_eq!(failed(&over), [MAX_ORDER_NOTIONAL]);
    let verdict = &over[0];
    assert_eq!(verdict.limit, "10000");
    assert_eq!(verdict.actual, "10000.01");
}

#[test]
fn position_notional_counts_the_position_after_the_order_at_the_order_price() {
    // Long 1; buying 199 makes 200 x 100 = 20000, the limit.
    let mut limits = limits();
    limits.max_order_notional = dec!(1000000);
    let at = run(buy(dec!(199)), account(), &limits, TradingState::Active);
    assert!(failed(&at).is_empty(), "{at:#?}");
    let over = run(buy(dec!(199.01)), account(), &limits, TradingState::Active);
    assert_eq!(failed(&over), [MAX_POSITION_NOTIONAL]);
    assert_eq!(over[0].actual, "20001");
    // A short of the same size counts the same.
    let short = run(
        Order {
            side: Side::Sell,
            quantity: dec!(201.01),
            price: dec!(100),
        },
        account(),
        &limits,
        TradingState::Active,
    );
    assert_eq!(failed(&short), [MAX_POSITION_NOTIONAL]);
}

#[test]
fn gross_exposure_replaces_the_symbol_value_with_its_value_after() {
    let mut limits = limits();
    limits.max_gross_exposure = dec!(10500);
    // 10000 - 100 + 6 x 100 = 10500.
    let at = run(buy(dec!(5)), account(), &limits, TradingState::Active);
    assert_eq!(verdict(&at, MAX_GROSS_EXPOSURE).actual, "10500");
    assert!(failed(&at).is_empty(), "{at:#?}");
    let over = run(buy(dec!(5.01)), account(), &limits, TradingState::Active);
    assert_eq!(failed(&over), [MAX_GROSS_EXPOSURE]);
    assert_eq!(over[0].actual, "10501");
}

#[test]
fn net_exposure_is_absolute() {
    let mut limits = limits();
    limits.max_net_exposure = dec!(6500);
    // 6000 - 100 + 6 x 100 = 6500.
    let at = run(buy(dec!(5)), account(), &limits, TradingState::Active);
    assert!(failed(&at).is_empty(), "{at:#?}");
    let over = run(buy(dec!(5.01)), account(), &limits, TradingState::Active);
    assert_eq!(failed(&over), [MAX_NET_EXPOSURE]);
    // Net -7000 is as far out as +7000.
    let mut short = account();
    short.net_exposure = dec!(-6500);
    short.position = dec!(0);
    short.position_value = dec!(0);
    let sell = Order {
        side: Side::Sell,
        quantity: dec!(5),
        price: dec!(100),
    };
    let verdicts = run(sell, short, &limits, TradingState::Active);
    assert_eq!(failed(&verdicts), [MAX_NET_EXPOSURE]);
    assert_eq!(verdicts[0].actual, "7000");
}

#[test]
fn leverage_is_gross_after_over_equity_and_undefined_without_equity() {
    let mut limits = limits();
    limits.max_leverage = dec!(0.525);
    // (10000 - 100 + 600) / 20000 = 0.525.
    let at = run(buy(dec!(5)), account(), &limits, TradingState::Active);
    assert!(failed(&at).is_empty(), "{at:#?}");
    let over = run(buy(dec!(5.01)), account(), &limits, TradingState::Active);
    assert_eq!(failed(&over), [MAX_LEVERAGE]);
    assert_eq!(over[0].actual, "0.52505");
    let mut broke = account();
    broke.equity = Some(dec!(0));
    broke.day_start_equity = Some(dec!(0));
    let verdicts = run(buy(dec!(1)), broke, &self::limits(), TradingState::Active);
    assert_eq!(failed(&verdicts), [MAX_LEVERAGE]);
    assert_eq!(verdicts[0].actual, "undefined");
}

#[test]
fn unknown_equity_denies_new_risk_naming_why_and_lets_reductions_through() {
    let mut unvalued = account();
    unvalued.equity = None;
    unvalued.day_start_equity = None;
    let verdicts = run(buy(dec!(1)), unvalued, &limits(), TradingState::Active);
    assert_eq!(failed(&verdicts), [MAX_LEVERAGE, MAX_DAILY_LOSS]);
    for verdict in &verdicts[..2] {
        assert_eq!(verdict.actual, "unknown");
        assert!(verdict.message.contains("no mark"), "{}", verdict.message);
    }
    let sell = Order {
        side: Side::Sell,
        quantity: dec!(0.5),
        price: dec!(100),
    };
    let verdicts = run(sell, unvalued, &limits(), TradingState::Active);
    assert!(verdict(&verdicts, MAX_DAILY_LOSS).passed, "{verdicts:#?}");
}

#[test]
fn daily_loss_denies_new_risk_over_the_limit_but_lets_reductions_through() {
    let mut at_limit = account();
    at_limit.equity = Some(dec!(19000));
    let verdicts = run(buy(dec!(1)), at_limit, &limits(), TradingState::Active);
    assert!(failed(&verdicts).is_empty(), "{verdicts:#?}");
    assert_eq!(verdict(&verdicts, MAX_DAILY_LOSS).actual, "1000");
    let mut over = account();
    over.equity = Some(dec!(18999.99));
    let verdicts = run(buy(dec!(1)), over, &limits(), TradingState::Active);
    assert_eq!(failed(&verdicts), [MAX_DAILY_LOSS]);
    assert_eq!(verdicts[0].actual, "1000.01");
    assert_eq!(verdicts[0].limit, "1000");
    let sell_half = Order {
        side: Side::Sell,
        quantity: dec!(0.5),
        price: dec!(100),
    };
    let verdicts = run(sell_half, over, &limits(), TradingState::Active);
    assert!(failed(&verdicts).is_empty(), "{verdicts:#?}");
}

#[test]
fn order_rate_counts_this_order() {
    let limits = limits();
    let mark = Mark::Fresh(dec!(100));
    let at = run_with(
        buy(dec!(1)),
        account(),
        &limits,
        TradingState::Active,
        &mark,
        10,
    );
    assert!(failed(&at).is_empty(), "{at:#?}");
    let over = run_with(
        buy(dec!(1)),
        account(),
        &limits,
        TradingState::Active,
        &mark,
        11,
    );
    assert_eq!(failed(&over), [MAX_ORDERS_PER_MINUTE]);
    assert_eq!(
        (over[0].limit.as_str(), over[0].actual.as_str()),
        ("10", "11")
    );
}

#[test]
fn price_band_is_measured_in_bps_of_the_mark_and_fails_closed_without_one() {
    let limits = limits();
    let at_order = Order {
        side: Side::Buy,
        quantity: dec!(1),
        price: dec!(101),
    };
    let at = run(at_order, account(), &limits, TradingState::Active);
    assert!(failed(&at).is_empty(), "{at:#?}");
    assert_eq!(verdict(&at, PRICE_BAND).actual, "100");
    let over_order = Order {
        price: dec!(98.99),
        ..at_order
    };
    let over = run(over_order, account(), &limits, TradingState::Active);
    assert_eq!(failed(&over), [PRICE_BAND]);
    assert_eq!(over[0].actual, "101");
    let unknown = Mark::Unknown("price-feed has no quote of BTC-USDT".into());
    let verdicts = run_with(
        buy(dec!(1)),
        account(),
        &limits,
        TradingState::Active,
        &unknown,
        1,
    );
    assert_eq!(failed(&verdicts), [PRICE_BAND]);
    assert!(verdicts[0].message.contains("no quote of BTC-USDT"));
}

#[test]
fn halted_denies_everything_reducing_only_shrinking_orders() {
    let limits = limits();
    let sell_one = Order {
        side: Side::Sell,
        quantity: dec!(1),
        price: dec!(100),
    };
    let halted = run(sell_one, account(), &limits, TradingState::Halted);
    assert_eq!(failed(&halted), [TRADING_STATE]);
    assert_eq!(halted[0].limit, "HALTED");

    let shrink = run(sell_one, account(), &limits, TradingState::Reducing);
    assert!(failed(&shrink).is_empty(), "{shrink:#?}");
    let grow = run(buy(dec!(1)), account(), &limits, TradingState::Reducing);
    assert_eq!(failed(&grow), [TRADING_STATE]);
    let flip = Order {
        quantity: dec!(1.5),
        ..sell_one
    };
    let flipped = run(flip, account(), &limits, TradingState::Reducing);
    assert_eq!(failed(&flipped), [TRADING_STATE]);
    assert_eq!(flipped[0].actual, "-0.5");
    let mut flat = account();
    flat.position = dec!(0);
    flat.position_value = dec!(0);
    let opened = run(sell_one, flat, &limits, TradingState::Reducing);
    assert_eq!(failed(&opened), [TRADING_STATE]);
}

#[test]
fn failed_rules_come_first() {
    let mut limits = limits();
    limits.max_order_notional = dec!(50);
    let verdicts = run(buy(dec!(1)), account(), &limits, TradingState::Halted);
    assert_eq!(failed(&verdicts), [TRADING_STATE, MAX_ORDER_NOTIONAL]);
    assert!(!verdicts[0].passed && !verdicts[1].passed);
    assert!(verdicts[2..].iter().all(|verdict| verdict.passed));
}
