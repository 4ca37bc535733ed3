"""P6: from the closed-candle event to the order accepted by the venue connector, through
the compose stack, with the time of each hop.

Strategies on 1 s candles, one per market, each decided by the three signal voters
(two of three must agree), trade on paper until `--orders` runs have placed an order.
Every run's hops come from strategy-engine's ListRuns (`bus` from the event's
publication, then readiness, consensus, size, risk, compliance, order); the voters' own
compute comes from each decision's recorded costs. Prints p50/p99/max per hop over the
runs that placed an order, and "candle event -> order accepted" = bus + answered (from
the take-up of the event to the connector's answer).

Usage: python3 bench_p6.py TOKEN [--orders N] [--minutes M]
"""

import argparse
import sys
import time

sys.path.insert(0, __import__("os").path.dirname(__file__))
from e2e_trading import (  # noqa: E402
    CONSENSUS, STRATEGY_ENGINE, VOTER_PARAMS, VOTERS, Client, Failure, open_account,
    runs_of, wait_until)

COMPLIANCE = 50143
# The markets of three simulated venues (their connectors' default symbols) and the
# capital of each strategy in the quote asset. Coinbase quotes in USD, which the ledger
# (valued in USDT) cannot value, so risk-manager would deny every order there.
VENUES = [(50101, "VENUE_BINANCE"), (50103, "VENUE_OKX"), (50104, "VENUE_GATEIO")]
SYMBOLS = [("BTC-USDT", "100000"), ("ETH-USDT", "100000"), ("ETH-BTC", "2")]
MARKETS = [(port, venue, symbol, capital)
           for port, venue in VENUES for symbol, capital in SYMBOLS]
HOPS = ["bus", "readiness", "consensus", "size", "risk", "compliance", "order", "answered",
        "total"]


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def prepare(client):
    """Lets the loop trade as fast as the candles come: the trend voters made quick and
    the wash-trade rule (no reversal of an own fill within 60 s) off, so that reversals
    reach the venue and are measured too. One strategy per account stays within the
    default 120 orders per minute."""
    for port, values in VOTER_PARAMS.items():
        client.call(port, "quorum.trading.v1.SignalSource/SetParams", {"values": values})
    rules = client.call(COMPLIANCE, "quorum.security.v1.ComplianceService/ListRules", {})
    for rule in rules.get("rules", []):
        if rule.get("kind") == "RULE_KIND_WASH_TRADE" and rule.get("enabled"):
            rule = {key: value for key, value in rule.items()
                    if key in ("id", "kind", "parameters", "description")}
            rule["enabled"] = False
            client.call(COMPLIANCE, "quorum.security.v1.ComplianceService/PutRule",
                        {"rule": rule})
    wait_until(60, "the voters registered", lambda: set(VOTERS) <= {
        v["name"] for v in client.call(CONSENSUS, "quorum.ai.v1.ConsensusService/ListVoters",
                                       {}).get("voters", [])})


def start_strategies(client):
    ids = []
    for port, venue, symbol, capital in MARKETS:
        account = f"p6-{venue.split('_')[1].lower()}-{symbol.lower()}"
        open_account(client, port, venue, account)
        spec = {
            "name": f"p6 {venue} {symbol}", "voters": VOTERS, "symbol": symbol,
            "venue": venue, "interval": "1s", "account": account,
            "capital": {"value": capital},
            "sizing": {"method": "SIZING_FIXED_FRACTION", "fraction": 0.002},
            "threshold": 0.66, "lookback": 30,
        }
        strategy = client.call(STRATEGY_ENGINE,
                               "quorum.trading.v1.StrategyEngineService/CreateStrategy",
                               {"spec": spec})["strategy"]
        client.call(STRATEGY_ENGINE, "quorum.trading.v1.StrategyEngineService/StartStrategy",
                    {"strategy_id": strategy["strategyId"]})
        ids.append(strategy["strategyId"])
    return ids


def placed_count(client, ids):
    total = 0
    for strategy_id in ids:
        strategy = client.call(STRATEGY_ENGINE,
                               "quorum.trading.v1.StrategyEngineService/GetStrategy",
                               {"strategy_id": strategy_id})["strategy"]
        total += int(strategy.get("orders", 0))
    return total


def voter_compute_micros(client, decision_id):
    """The slowest voter's compute in each round, summed over the rounds."""
    decision = client.call(CONSENSUS, "quorum.ai.v1.ConsensusService/GetDecision",
                           {"decision_id": decision_id})["decision"]
    return sum(max((int(v.get("ballot", {}).get("cost", {}).get("computeMicros", 0))
                    for v in r.get("votes", [])), default=0)
               for r in decision.get("rounds", []))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("token")
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--minutes", type=float, default=30)
    args = parser.parse_args()
    client = Client(args.token)
    prepare(client)
    ids = start_strategies(client)
    started = time.time()
    print(f"p6: {len(ids)} strategies on 1 s candles, until {args.orders} orders")
    while True:
        placed = placed_count(client, ids)
        if placed >= args.orders:
            break
        if time.time() - started > args.minutes * 60:
            raise Failure(f"only {placed} orders after {args.minutes} minutes")
        time.sleep(5)
    for strategy_id in ids:
        client.call(STRATEGY_ENGINE, "quorum.trading.v1.StrategyEngineService/StopStrategy",
                    {"strategy_id": strategy_id})
    elapsed = time.time() - started
    runs = [run for strategy_id in ids for run in runs_of(client, strategy_id)]
    placed = [run for run in runs if run.get("outcome") == "RUN_OUTCOME_ORDER_PLACED"]
    outcomes = {}
    for run in runs:
        outcomes[run.get("outcome")] = outcomes.get(run.get("outcome"), 0) + 1
    print(f"{len(runs)} runs in {elapsed:.0f} s, by outcome: {outcomes}")
    hops = {hop: [int(run["hopMicros"][hop]) for run in placed if hop in run.get("hopMicros", {})]
            for hop in HOPS}
    to_order = [int(run["hopMicros"].get("bus", 0)) + int(run["hopMicros"]["answered"])
                for run in placed]
    compute = [voter_compute_micros(client, run["decisionId"]) for run in placed]
    without_voters = [total - voters for total, voters in zip(to_order, compute)]
    print(f"\nover the {len(placed)} runs that placed an order (microseconds):")
    print(f"{'hop':<34} {'p50':>9} {'p99':>9} {'max':>9}")
    rows = [(hop, hops[hop]) for hop in HOPS] + [
        ("voters' compute (slowest, per round)", compute),
        ("candle event -> order accepted", to_order),
        ("the same, voters' compute aside", without_voters)]
    for name, values in rows:
        print(f"{name:<34} {percentile(values, 0.5):>9} {percentile(values, 0.99):>9} "
              f"{max(values, default=0):>9}")


if __name__ == "__main__":
    try:
        main()
    except Failure as failure:
        print(f"p6: {failure}", file=sys.stderr)
        sys.exit(1)
