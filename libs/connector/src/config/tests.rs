//! Unit tests of the connector settings: parsing, defaults, `--help`, and bad values.
use super::*;
use clap::{Args, Command, FromArgMatches};
use quorum_domain::Decimal;

const ENDPOINTS: DefaultEndpoints = DefaultEndpoints {
    rest_url: "https://venue.example",
    ws_url: "wss://stream.venue.example/ws",
};

fn binance() -> Config<BinanceEnv> {
    Config::new(
        "postgres://quorum@127.0.0.1/quorum",
        "redis://127.0.0.1:6379",
    )
}

fn command<V: VenueEnv>() -> Command {
    Config::<V>::augment_args(Command::new("connector"))
}

#[test]
fn defaults_resolve_to_sim_paper_and_the_venue_endpoints() {
    let settings = binance().resolve(ENDPOINTS).unwrap();
    assert_eq!(settings.source, Source::Sim { seed: 42 });
    assert_eq!(settings.trading_mode, TradingMode::Paper);
    let symbols: Vec<&str> = settings.symbols.iter().map(Symbol::as_str).collect();
    assert_eq!(symbols, ["BTC-USDT", "ETH-USDT", "ETH-BTC"]);
    assert_eq!(settings.rest_url, "https://venue.example");
    assert_eq!(settings.ws_url, "wss://stream.venue.example/ws");
    assert!(settings.credentials.is_none());
    assert_eq!(settings.book_snapshot_interval, Duration::from_secs(10));
    assert_eq!(
        settings.paper_balances,
        vec![
            ("USDT".to_string(), Decimal::from(100_000)),
            ("BTC".to_string(), Decimal::from(2)),
            ("ETH".to_string(), Decimal::from(20)),
        ]
    );
}

#[test]
fn help_lists_the_venue_variables_under_its_own_prefix() {
    let help = command::<OkxEnv>().render_long_help().to_string();
    for variable in [
        "QUORUM_MARKET_SOURCE",
        "QUORUM_TRADING_MODE",
        "QUORUM_SYMBOLS",
        "QUORUM_SIM_SEED",
        "QUORUM_REPLAY_PATH",
        "QUORUM_REPLAY_SPEED",
        "QUORUM_PAPER_BALANCES",
        "QUORUM_BOOK_SNAPSHOT_SECS",
        "REDIS_URL",
        "DATABASE_URL",
        "OKX_REST_URL",
        "OKX_WS_URL",
        "OKX_API_KEY",
        "OKX_API_SECRET",
        "OKX_API_PASSPHRASE",
    ] {
        assert!(help.contains(variable), "{variable} missing from:\n{help}");
    }
    assert!(!help.contains("BINANCE_"), "{help}");
    let gate = command::<GateioEnv>().render_long_help().to_string();
    assert!(gate.contains("GATEIO_WS_URL"), "{gate}");
}

#[test]
fn flags_fill_the_venue_settings_and_coinbase_defaults_to_usd() {
    let matches = command::<CoinbaseEnv>()
        .try_get_matches_from([
            "connector",
            "--redis-url",
            "redis://h:1",
            "--database-url",
            "postgres://h/db",
            "--rest-url",
            "http://127.0.0.1:9/",
            "--api-key",
            "organizations/o/apiKeys/k",
            "--api-secret",
            "pem",
        ])
        .unwrap();
    let config = Config::<CoinbaseEnv>::from_arg_matches(&matches).unwrap();
    assert_eq!(config.venue.symbols, "BTC-USDT,ETH-USDT,ETH-BTC");
    let settings = config.resolve(ENDPOINTS).unwrap();
    assert_eq!(settings.rest_url, "http://127.0.0.1:9");
    assert_eq!(settings.venue, Venue::Coinbase);
    let credentials = settings.credentials.unwrap();
    assert_eq!(credentials.key, "organizations/o/apiKeys/k");
    assert_eq!(credentials.passphrase, "");
}

#[test]
fn default_paper_balances_hold_only_the_assets_the_symbols_trade() {
    let balances = |config: Config<BinanceEnv>| config.resolve(ENDPOINTS).unwrap().paper_balances;
    let mut config = binance();
    config.venue.symbols = "BTC-USD".into();
    assert_eq!(
        balances(config),
        vec![
            ("USD".to_string(), Decimal::from(100_000)),
            ("BTC".to_string(), Decimal::from(2)),
        ]
    );
    let mut config = binance();
    config.venue.symbols = "BTC-USD".into();
    config.market.paper_balances = Some("SOL=3".into());
    assert_eq!(
        balances(config),
        vec![("SOL".to_string(), Decimal::from(3))]
    );
}

#[test]
fn bad_values_name_their_variable() {
    type Edit = fn(&mut Config<BinanceEnv>);
    let cases: Vec<(Edit, &str)> = vec![
        (|c| c.venue.symbols = "BTCUSDT".into(), "QUORUM_SYMBOLS"),
        (|c| c.venue.symbols = " , ".into(), "QUORUM_SYMBOLS"),
        (
            |c| c.market.paper_balances = Some("USDT:5".into()),
            "QUORUM_PAPER_BALANCES",
        ),
        (
            |c| c.market.paper_balances = Some("USDT=-5".into()),
            "QUORUM_PAPER_BALANCES",
        ),
        (
            |c| c.market.paper_balances = Some("USDT=1,usdt=2".into()),
            "QUORUM_PAPER_BALANCES",
        ),
        (
            |c| c.market.book_snapshot_secs = 0,
            "QUORUM_BOOK_SNAPSHOT_SECS",
        ),
        (
            |c| c.market.market_source = MarketSource::Replay,
            "QUORUM_REPLAY_PATH",
        ),
        (
            |c| {
                c.market.market_source = MarketSource::Replay;
                c.market.replay_path = Some("/nonexistent/session.jsonl".into());
            },
            "QUORUM_REPLAY_PATH",
        ),
        (
            |c| c.venue.rest_url = Some("ftp://x".into()),
            "BINANCE_REST_URL",
        ),
        (
            |c| c.venue.ws_url = Some("http://x".into()),
            "BINANCE_WS_URL",
        ),
        (
            |c| c.venue.api_key = Some("key".into()),
            "BINANCE_API_SECRET",
        ),
        (|c| c.bus.redis_url = "http://x".into(), "REDIS_URL"),
        (
            |c| c.database.database_url = "mysql://x".into(),
            "DATABASE_URL",
        ),
        (
            |c| c.database.database_max_connections = 0,
            "DATABASE_MAX_CONNECTIONS",
        ),
    ];
    for (edit, variable) in cases {
        let mut config = binance();
        edit(&mut config);
        let error = config.resolve(ENDPOINTS).unwrap_err();
        assert_eq!(error.variable, variable, "{error}");
    }
}

#[test]
fn replay_needs_a_sane_speed() {
    let file = std::env::temp_dir().join(format!("quorum-replay-{}.jsonl", uuid::Uuid::new_v4()));
    std::fs::write(&file, "").unwrap();
    let mut config = binance();
    config.market.market_source = MarketSource::Replay;
    config.market.replay_path = Some(file.clone());
    config.market.replay_speed = 4.0;
    let settings = config.resolve(ENDPOINTS).unwrap();
    assert_eq!(
        settings.source,
        Source::Replay {
            path: file.clone(),
            speed: 4.0
        }
    );
    config.market.replay_speed = -1.0;
    let error = config.resolve(ENDPOINTS).unwrap_err();
    assert_eq!(error.variable, "QUORUM_REPLAY_SPEED");
    let _ = std::fs::remove_file(file);
}

#[test]
fn live_trading_refuses_without_credentials_or_a_live_market() {
    let mut config = binance();
    config.market.trading_mode = TradingMode::Live;
    config.market.market_source = MarketSource::Live;
    assert_eq!(
        config.resolve(ENDPOINTS).unwrap_err().variable,
        "BINANCE_API_KEY"
    );
    config.venue.api_key = Some("key".into());
    config.venue.api_secret = Some("secret".into());
    let settings = config.resolve(ENDPOINTS).unwrap();
    assert_eq!(settings.trading_mode, TradingMode::Live);
    config.market.market_source = MarketSource::Sim;
    assert_eq!(
        config.resolve(ENDPOINTS).unwrap_err().variable,
        "QUORUM_MARKET_SOURCE"
    );
}

#[test]
fn okx_credentials_need_the_passphrase() {
    let mut config = Config::<OkxEnv>::new("postgres://h/db", "redis://h");
    config.venue.api_key = Some("key".into());
    config.venue.api_secret = Some("secret".into());
    assert_eq!(
        config.resolve(ENDPOINTS).unwrap_err().variable,
        "OKX_API_PASSPHRASE"
    );
    config.venue.api_passphrase = Some("phrase".into());
    let credentials = config.resolve(ENDPOINTS).unwrap().credentials.unwrap();
    assert_eq!(credentials.passphrase, "phrase");
}

#[test]
fn symbols_are_canonicalized_and_deduplicated() {
    let symbols = parse_symbols("btc-usdt, BTC-USDT ,eth-btc").unwrap();
    let names: Vec<&str> = symbols.iter().map(Symbol::as_str).collect();
    assert_eq!(names, ["BTC-USDT", "ETH-BTC"]);
}
