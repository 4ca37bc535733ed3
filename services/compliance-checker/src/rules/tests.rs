//! Parameters of each rule kind: accepted, normalized, and refused by name.
use super::*;

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

fn problems(kind: Kind, pairs: &[(&str, &str)]) -> Vec<String> {
    Spec::parse(kind, &map(pairs))
        .unwrap_err()
        .into_iter()
        .map(|(name, _)| name)
        .collect()
}

#[test]
fn restricted_symbols_are_normalized_and_an_empty_list_is_allowed() {
    let spec = Spec::parse(
        Kind::RestrictedSymbols,
        &map(&[("symbols", " eth-usdt, BTC-USDT,,eth-usdt ")]),
    )
    .unwrap();
    assert_eq!(spec.parameters()["symbols"], "BTC-USDT,ETH-USDT");
    let empty = Spec::parse(Kind::RestrictedSymbols, &map(&[("symbols", "")])).unwrap();
    assert_eq!(
        empty,
        Spec::RestrictedSymbols {
            symbols: BTreeSet::new()
        }
    );
    assert_eq!(
        problems(Kind::RestrictedSymbols, &[("symbols", "BTC-USDT,BTCUSDT")]),
        ["symbols"]
    );
    assert_eq!(problems(Kind::RestrictedSymbols, &[]), ["symbols"]);
}

#[test]
fn account_limits_need_all_three_and_positive_values() {
    let spec = Spec::parse(
        Kind::AccountLimits,
        &map(&[
            ("max_order_quantity", "2.50"),
            ("max_order_notional", "1000"),
            ("max_orders_per_day", "3"),
        ]),
    )
    .unwrap();
    assert_eq!(
        spec,
        Spec::AccountLimits(AccountLimits {
            max_order_quantity: Decimal::new(25, 1),
            max_order_notional: Decimal::from(1000),
            max_orders_per_day: 3,
        })
    );
    assert_eq!(spec.parameters()["max_order_quantity"], "2.5");
    assert_eq!(
        problems(
            Kind::AccountLimits,
            &[
                ("max_order_quantity", "0"),
                ("max_order_notional", "lots"),
                ("max_orders_per_day", "-1"),
            ]
        ),
        [
            "max_order_quantity",
            "max_order_notional",
            "max_orders_per_day"
        ]
    );
    assert_eq!(
        problems(Kind::AccountLimits, &[("max_order_quantity", "1")]),
        ["max_order_notional", "max_orders_per_day"]
    );
}

#[test]
fn windows_must_be_whole_milliseconds_up_to_a_day() {
    assert_eq!(
        Spec::parse(Kind::WashTrade, &map(&[("window_ms", "60000")])).unwrap(),
        Spec::WashTrade { window_ms: 60_000 }
    );
    for bad in ["0", "86400001", "1.5", "soon"] {
        assert_eq!(
            problems(Kind::WashTrade, &[("window_ms", bad)]),
            ["window_ms"],
            "{bad}"
        );
    }
}

#[test]
fn spoofing_allows_zero_fast_cancels() {
    let spec = Spec::parse(
        Kind::Spoofing,
        &map(&[
            ("min_notional", "100000"),
            ("cancel_within_ms", "2000"),
            ("max_fast_cancels", "0"),
            ("window_ms", "600000"),
        ]),
    )
    .unwrap();
    let Spec::Spoofing(limits) = &spec else {
        panic!("not a spoofing rule: {spec:?}")
    };
    assert_eq!(limits.max_fast_cancels, 0);
    assert_eq!(spec.parameters().len(), 4);
    assert_eq!(
        problems(
            Kind::Spoofing,
            &[
                ("min_notional", "1"),
                ("cancel_within_ms", "1"),
                ("window_ms", "1")
            ]
        ),
        ["max_fast_cancels"]
    );
}

#[test]
fn unknown_parameters_are_named() {
    assert_eq!(problems(Kind::AccountStatus, &[("grace", "1")]), ["grace"]);
    assert_eq!(
        problems(Kind::WashTrade, &[("window_ms", "10"), ("windw_ms", "10")]),
        ["windw_ms"]
    );
    assert_eq!(
        Spec::parse(Kind::AccountStatus, &BTreeMap::new()).unwrap(),
        Spec::AccountStatus
    );
}

#[test]
fn kinds_round_trip_through_storage_and_the_wire() {
    for kind in [
        Kind::RestrictedSymbols,
        Kind::AccountLimits,
        Kind::WashTrade,
        Kind::Spoofing,
        Kind::AccountStatus,
    ] {
        assert_eq!(Kind::parse(kind.as_str()), Some(kind));
        assert_eq!(Kind::from_proto(kind.to_proto() as i32), Some(kind));
    }
    assert_eq!(Kind::from_proto(0), None);
    assert_eq!(Kind::from_proto(99), None);
}

#[test]
fn rule_ids_are_lowercase_words_with_dashes() {
    assert_eq!(id_problem("wash-trade-2"), None);
    assert!(id_problem("").is_some());
    assert!(id_problem("Wash").is_some());
    assert!(id_problem("wash trade").is_some());
    assert!(id_problem(&"a".repeat(65)).is_some());
}
