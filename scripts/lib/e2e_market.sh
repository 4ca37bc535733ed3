#!/usr/bin/env bash
# Checks of the market data plane for scripts/e2e-compose.sh: the connectors run on the
# simulated market, and price-feed, orderbook-manager and trade-history serve what they
# receive. Expects `call` and `fail` from scripts/lib/e2e.sh and a logged-in `token`.

# Ports from services/catalog.toml.
PRICE_FEED=50105
ORDERBOOK_MANAGER=50106
TRADE_HISTORY=50107

# price-feed streams BTC-USDT quotes carrying all four venues within `limit` seconds.
check_quotes_from_every_venue() {
  local limit=$1 deadline=$(( $(date +%s) + $1 )) quotes
  quotes=$(mktemp)
  while :; do
    # Five seconds of a stream is far more than fits in one command-line argument.
    grpcurl -plaintext -max-time 5 -H "authorization: Bearer $token" \
      -d '{"symbols": ["BTC-USDT"]}' "127.0.0.1:$PRICE_FEED" \
      quorum.marketdata.v1.PriceFeedService/StreamQuotes >"$quotes" 2>/dev/null || true
    if python3 - "$quotes" <<'PY'
import json, sys
decoder = json.JSONDecoder()
text, position, venues = open(sys.argv[1]).read(), 0, set()
while True:
    while position < len(text) and text[position].isspace():
        position += 1
    if position >= len(text):
        break
    try:
        message, position = decoder.raw_decode(text, position)
    except ValueError:
        break  # the stream was cut by -max-time in the middle of a message
    quote = message.get("quote", {})
    for venue in quote.get("venues", []):
        if venue.get("exclusion") == "EXCLUSION_NONE":
            venues.add(venue["venue"])
wanted = {"VENUE_BINANCE", "VENUE_COINBASE", "VENUE_OKX", "VENUE_GATEIO"}
sys.exit(0 if wanted <= venues else 1)
PY
    then
      rm -f "$quotes"
      return 0
    fi
    [ "$(date +%s)" -lt "$deadline" ] || fail "price-feed: no BTC-USDT quote from all four venues within $limit s: $(head -c 2000 "$quotes")"
    sleep 1
  done
}

# orderbook-manager's aggregated BTC-USDT book has levels and is not crossed.
check_aggregated_book() {
  local out
  out=$(call "$ORDERBOOK_MANAGER" quorum.marketdata.v1.OrderBookService/GetBook \
    '{"symbol": "BTC-USDT", "depth": 10}') || fail "GetBook: $out"
  python3 - "$out" <<'PY' || fail "orderbook-manager: bad aggregated book: ${out:0:2000}"
import json, sys
from decimal import Decimal
response = json.loads(sys.argv[1])
book = response["book"]
bids = [Decimal(level["price"]["value"]) for level in book["bids"]]
asks = [Decimal(level["price"]["value"]) for level in book["asks"]]
assert bids and asks, "empty side"
assert bids == sorted(bids, reverse=True) and asks == sorted(asks), "levels out of order"
assert bids[0] < asks[0], f"crossed: bid {bids[0]} >= ask {asks[0]}"
assert len(response.get("venues", [])) >= 2, "fewer than two venues aggregated"
print(f"ok  aggregated BTC-USDT book: bid {bids[0]} < ask {asks[0]} over {len(response['venues'])} venues")
PY
}

# Every connector reports its books synced on the simulated market.
check_connectors_synced() {
  local limit=$1 port out
  for port in 50101 50102 50103 50104; do
    local deadline=$(( $(date +%s) + limit ))
    while :; do
      out=$(call "$port" quorum.exchange.v1.Exchange/GetStatus '{}' 2>&1 || true)
      if python3 -c '
import json, sys
status = json.loads(sys.argv[1])
books = status.get("books", [])
sys.exit(0 if status.get("marketSource") == "sim" and books and all(b.get("state") == "BOOK_STATE_SYNCED" for b in books) else 1)
' "$out" 2>/dev/null; then
        echo "ok  connector on $port: every book synced on the simulated market"
        break
      fi
      [ "$(date +%s)" -lt "$deadline" ] || fail "connector on $port not synced within $limit s: ${out:0:2000}"
      sleep 1
    done
  done
}

# Waits until the last complete minute lies at least `after` seconds past `since` and
# trade-history had a few seconds to store its trades.
wait_for_complete_minute() {
  local since=$1 after=$2 now
  while :; do
    now=$(date +%s)
    if [ $(( now / 60 * 60 )) -ge $(( since + after )) ] && [ $(( now % 60 )) -ge 5 ]; then
      return 0
    fi
    sleep 1
  done
}

# trade-history's 1m candle of the last complete minute equals the trades stored in it
# (every page of them).
check_candles_match_trades() {
  local minute from to
  minute=$(( $(date +%s) / 60 * 60 - 60 ))
  from=$(( minute * 1000 )); to=$(( (minute + 60) * 1000 ))
  python3 - "$token" "$TRADE_HISTORY" "$from" "$to" <<'PY' || fail "trade-history: candle does not match its trades"
import json, subprocess, sys
from decimal import Decimal
token, port, start, end = sys.argv[1:5]

def call(method, body):
    out = subprocess.run(
        ["grpcurl", "-plaintext", "-H", f"authorization: Bearer {token}", "-d", json.dumps(body),
         f"127.0.0.1:{port}", f"quorum.marketdata.v1.TradeHistoryService/{method}"],
        check=True, capture_output=True, text=True).stdout
    return json.loads(out)

span = {"from_unix_ms": int(start), "to_unix_ms": int(end)}
candles = call("GetCandles", {"symbol": "BTC-USDT", "interval": "1m", "range": span}).get("candles", [])
trades, token_ = [], ""
while True:
    page = call("QueryTrades", {"symbol": "BTC-USDT", "range": span, "page": {"page_size": 5000, "page_token": token_}})
    trades += page.get("trades", [])
    token_ = page.get("nextPageToken", "")
    if not token_:
        break
assert trades, "no trades stored in the minute"
assert len(candles) == 1, f"{len(candles)} candles for one minute"
candle = candles[0]
prices = [Decimal(t["price"]["value"]) for t in trades]
quantities = [Decimal(t["quantity"]["value"]) for t in trades]
venues = sorted({t["venue"] for t in trades})
assert int(candle["tradeCount"]) == len(trades), (candle["tradeCount"], len(trades))
assert Decimal(candle["high"]["value"]) == max(prices), (candle["high"], max(prices))
assert Decimal(candle["low"]["value"]) == min(prices), (candle["low"], min(prices))
assert Decimal(candle["open"]["value"]) == prices[0], (candle["open"], prices[0])
assert Decimal(candle["close"]["value"]) == prices[-1], (candle["close"], prices[-1])
assert Decimal(candle["volume"]["value"]) == sum(quantities), (candle["volume"], sum(quantities))
print(f"ok  1m candle matches its {len(trades)} stored trades from {len(venues)} venues")
PY
}

# A paper market order on binance-api fills at book prices with the taker fee.
check_paper_order() {
  local out
  out=$(call 50101 quorum.exchange.v1.Exchange/PlaceOrder \
    '{"client_order_id": "e2e-market-1", "symbol": "BTC-USDT", "side": "SIDE_BUY", "type": "ORDER_TYPE_MARKET", "quantity": {"value": "0.01"}}') ||
    fail "PlaceOrder: $out"
  python3 - "$out" <<'PY' || fail "binance-api: the paper order did not fill as it should: $out"
import json, sys
from decimal import Decimal
order = json.loads(sys.argv[1])["order"]
assert order["status"] == "ORDER_STATUS_FILLED", order["status"]
assert Decimal(order["filledQuantity"]["value"]) == Decimal("0.01")
fills = order["fills"]
notional = sum(Decimal(f["price"]["value"]) * Decimal(f["quantity"]["value"]) for f in fills)
fee = sum(Decimal(f["fee"]["value"]) for f in fills)
assert fee == notional * Decimal("0.001"), (fee, notional)
print(f"ok  paper market buy of 0.01 BTC filled at {Decimal(order['averagePrice']['value'])} with fee {fee} USDT")
PY
}
