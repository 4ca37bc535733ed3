//! Binance messages in the venue's documented formats, for the fake venue's scripts.
use serde_json::json;

use crate::fake_venue::Step;

pub const DEPTH: &str = "/api/v3/depth";

pub fn exchange_info() -> String {
    json!({
        "timezone": "UTC",
        "serverTime": 1_700_000_000_000_i64,
        "rateLimits": [],
        "exchangeFilters": [],
        "symbols": [{
            "symbol": "BTCUSDT",
            "status": "TRADING",
            "baseAsset": "BTC",
            "baseAssetPrecision": 8,
            "quoteAsset": "USDT",
            "quotePrecision": 8,
            "quoteAssetPrecision": 8,
            "orderTypes": ["LIMIT", "LIMIT_MAKER", "MARKET"],
            "isSpotTradingAllowed": true,
            "filters": [
                {"filterType": "PRICE_FILTER", "minPrice": "0.01000000", "maxPrice": "1000000.00000000", "tickSize": "0.01000000"},
                {"filterType": "LOT_SIZE", "minQty": "0.00001000", "maxQty": "9000.00000000", "stepSize": "0.00001000"},
                {"filterType": "NOTIONAL", "minNotional": "5.00000000", "applyMinToMarket": true, "maxNotional": "9000000.00000000", "applyMaxToMarket": false, "avgPriceMins": 5}
            ],
            "permissions": [],
            "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
            "allowedSelfTradePreventionModes": ["EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"]
        }]
    })
    .to_string()
}

pub fn snapshot(last_update_id: i64, bids: &[(&str, &str)], asks: &[(&str, &str)]) -> String {
    json!({"lastUpdateId": last_update_id, "bids": bids, "asks": asks}).to_string()
}

pub fn depth(first: i64, last: i64, bids: &[(&str, &str)], asks: &[(&str, &str)]) -> Step {
    let data = json!({
        "e": "depthUpdate", "E": 1_700_000_000_000_i64 + last, "s": "BTCUSDT",
        "U": first, "u": last, "b": bids, "a": asks
    });
    Step::Send(json!({"stream": "btcusdt@depth@100ms", "data": data}).to_string())
}

pub fn trade(id: i64, price: &str, quantity: &str) -> Step {
    let data = json!({
        "e": "trade", "E": 1_700_000_000_500_i64, "s": "BTCUSDT", "t": id, "p": price,
        "q": quantity, "T": 1_700_000_000_499_i64, "m": true, "M": true
    });
    Step::Send(json!({"stream": "btcusdt@trade", "data": data}).to_string())
}
